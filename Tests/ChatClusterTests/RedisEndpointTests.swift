import Testing
@testable import ChatCluster

@Suite struct RedisEndpointTests {
    @Test(arguments: [
        ("redis://127.0.0.1:6379", RedisEndpoint(host: "127.0.0.1", port: 6379)),
        ("redis://redis", RedisEndpoint(host: "redis")),
        ("redis://:s3cret@redis:6380/2", RedisEndpoint(host: "redis", port: 6380, password: "s3cret", database: 2)),
        ("redis://chat:p%w:d@10.0.0.5:7000", RedisEndpoint(host: "10.0.0.5", port: 7000, user: "chat", password: "p%w:d")),
        ("redis://[::1]:6390", RedisEndpoint(host: "::1", port: 6390)),
        ("redis://pw@host/", RedisEndpoint(host: "host", password: "pw")),
    ])
    func parses(_ url: String, _ expected: RedisEndpoint) throws {
        #expect(try RedisEndpoint(url: url) == expected)
    }

    @Test(arguments: [
        ("http://redis:6379", RedisEndpoint.ParseError.notRedisScheme),
        ("redis://", .missingHost),
        ("redis://:pw@:6379", .missingHost),
        ("redis://redis:0", .badPort("0")),
        ("redis://redis:http", .badPort("http")),
        ("redis://redis:6379/x", .badDatabase("x")),
    ])
    func refuses(_ url: String, _ error: RedisEndpoint.ParseError) {
        #expect(throws: error) { try RedisEndpoint(url: url) }
    }

    @Test func theDescriptionHidesThePassword() throws {
        let endpoint = try RedisEndpoint(url: "redis://chat:s3cret@redis:6379/1")
        #expect(endpoint.description == "redis://chat:***@redis:6379/1")
        #expect(!endpoint.description.contains("s3cret"))
    }
}
