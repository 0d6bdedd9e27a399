// swift-tools-version:6.0
import PackageDescription

// A release chat-server links with lld, for two things gold cannot do that keep an idle server's
// resident memory down (12.4 -> 10.7 MiB; scripts/symbol-order says how): relative relocations
// packed (DT_RELR; Debian 12's glibc reads them), so that start-up reads 9 KB of them, not 940 KB;
// and the functions that start-up and a chat session run placed side by side, so that the pages
// the kernel maps around each one touched are few.
let packageDirectory = String(#filePath.dropLast("Package.swift".count))
let releaseLinkerFlags = [
    "-use-ld=lld",
    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
    "-Xlinker", "--symbol-ordering-file=\(packageDirectory)Sources/chat-server/SymbolOrder.txt",
    "-Xlinker", "--no-warn-symbol-ordering",
]

let package = Package(
    name: "swift-libevent-chat",
    products: [
        .executable(name: "chat-server", targets: ["chat-server"]),
        .executable(name: "chat-loadgen", targets: ["chat-loadgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // libevent from the system (Debian: libevent-dev), wrapped for Swift.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]
        ),
        // The headers of libevent's OpenSSL bufferevents and of OpenSSL itself (Debian: libevent-dev,
        // libssl-dev); nothing links the libraries: TLSOnDemand loads them on first use.
        .systemLibrary(name: "CLibeventOpenSSL", providers: [.apt(["libevent-dev", "libssl-dev"])]),
        .target(name: "TLSOnDemand"),
        // The WebSocket handshake's accept value, for the server and the load generator alike.
        .target(name: "WebSocketAccept", dependencies: ["CLibeventOpenSSL", "TLSOnDemand"]),
        // wslay, the WebSocket frame codec (Debian: libwslay-dev); it ships no pkg-config file.
        .systemLibrary(name: "CWslay", providers: [.apt(["libwslay-dev"])]),
        // hiredis and its libevent adapter (Debian: libhiredis-dev), for a node of a cluster. No pkg-config:
        // its file adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a warning, and /usr/include has it.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // SQLite's C API (Debian: libsqlite3-dev), for the embedded message store.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The embedded store: rooms' messages in SQLite, written by a thread of its own in group commits.
        .target(name: "ChatStore", dependencies: ["ChatCore", "CSQLite", "LibeventKit"]),
        // Swift wrappers for libevent's loop, timers, signals and addresses, shared by both executables;
        // nothing of the chat protocol.
        .target(name: "LibeventKit", dependencies: ["CLibevent"]),
        // libevent's evbuffers as the source of ChatCore's one line reader: where the two meet.
        .target(name: "LibeventLines", dependencies: ["CLibevent", "ChatCore"]),
        // Protocol, names and registry: pure Swift, no libevent, tested without sockets.
        .target(name: "ChatCore"),
        // The classic teaching chats' protocols, translated at the edge: pure Swift, no libevent.
        .target(name: "ChatDialects", dependencies: ["ChatCore"]),
        // A node of a cluster: names, rooms and history shared through Redis, on the node's event base.
        .target(
            name: "ChatCluster",
            dependencies: [
                "ChatCore",
                "CHiredis",
                "CLibevent",
                "LibeventKit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The libevent layer: event base, listener, connections, signals, timers; and the web client's
        // files, embedded at build time as byte arrays (PackageResources.index_html and so on), no Bundle.
        .target(
            name: "ChatServer",
            dependencies: [
                "ChatCore",
                "ChatCluster",
                "ChatDialects",
                "ChatStore",
                "CLibevent",
                "CLibeventOpenSSL",
                "CWslay",
                "LibeventKit",
                "LibeventLines",
                "TLSOnDemand",
                "WebSocketAccept",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [
                .embedInCode("WebClient/index.html"),
                .embedInCode("WebClient/client.css"),
                .embedInCode("WebClient/client.js"),
            ]
        ),
        // What both executables share: the log handler and CHAT_* environment defaults.
        .target(
            name: "ChatCommandLine",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "chat-server",
            dependencies: [
                "ChatServer",
                "ChatCluster",
                "ChatCore",
                "ChatDialects",
                "ChatStore",
                "ChatCommandLine",
                "CLibevent",
                "CLibeventOpenSSL",
                "LibeventKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["SymbolOrder.txt"],
            linkerSettings: [.unsafeFlags(releaseLinkerFlags, .when(platforms: [.linux], configuration: .release))]
        ),
        // The load generator: simulated users on bufferevents, delivery checks, latency, reports.
        .target(
            name: "ChatLoadgen",
            dependencies: [
                "ChatCore",
                "CLibevent",
                "CLibeventOpenSSL",
                "LibeventKit",
                "LibeventLines",
                "TLSOnDemand",
                "WebSocketAccept",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "chat-loadgen",
            dependencies: [
                "ChatLoadgen",
                "ChatCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What the black-box tests share: child processes, their output, free ports.
        .target(name: "ChatTestSupport", path: "Tests/ChatTestSupport"),
        .testTarget(name: "ChatCoreTests", dependencies: ["ChatCore"]),
        .testTarget(name: "ChatDialectsTests", dependencies: ["ChatDialects", "ChatCore"]),
        .testTarget(name: "ChatClusterTests", dependencies: ["ChatCluster", "ChatCore"]),
        .testTarget(name: "ChatStoreTests", dependencies: ["ChatStore", "ChatCore"]),
        .testTarget(name: "ChatCommandLineTests", dependencies: ["ChatCommandLine"]),
        .testTarget(name: "ChatLoadgenTests", dependencies: ["ChatLoadgen", "chat-loadgen", "chat-server", "ChatTestSupport", "WebSocketAccept"]),
        // Black-box tests: they start the chat-server executable and talk to it over TCP.
        .testTarget(
            name: "ChatServerTests",
            dependencies: ["chat-server", "ChatCommandLine", "ChatTestSupport", "CLibeventOpenSSL"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
