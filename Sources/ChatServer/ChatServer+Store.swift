import ChatStore
import Logging

/// The embedded store's life in the process: opened before the loops start (a store that
/// cannot be used stops the start with one line naming the path and the cause), closed
/// after they stop (everything kept is written: SIGTERM loses nothing).
extension ChatServer {
    static func openStore(configuration: ServerConfiguration, logger: Logger) throws(ServerError) -> SQLiteArchive? {
        // A node of a cluster keeps each room's record in Redis.
        guard let settings = configuration.store, configuration.cluster == nil else { return nil }
        let store: SQLiteArchive
        do {
            store = try SQLiteArchive(settings: settings) { notice in
                switch notice {
                case .writeFailed(let error, let messages):
                    logger.warning("store cannot write: messages are not kept until it can (chat_store_failed_total counts them)",
                                   metadata: ["path": "\(error.path)", "cause": "\(error.cause)", "messages": "\(messages)"])
                case .waiting(let error):
                    logger.warning("store waits for another process's write lock: messages queue until it is let go",
                                   metadata: ["path": "\(error.path)", "cause": "\(error.cause)"])
                case .writing:
                    logger.info("store writing again", metadata: ["path": "\(settings.databasePath)"])
                case .readFailed(let error):
                    logger.warning("store cannot read", metadata: ["path": "\(error.path)", "cause": "\(error.cause)"])
                }
            }
        } catch {
            throw .store(error)
        }
        logger.info("store opened", metadata: [
            "path": "\(settings.databasePath)", "rooms": "\(store.opened.rooms)", "messages": "\(store.opened.messages)",
            "bytes": "\(store.opened.bytes)", "unclean": "\(store.diedBefore)", "history_keep": "\(settings.historyKeep)",
            "history_days": "\(settings.historyDays)", "sync_ms": "\(settings.syncMilliseconds)",
        ])
        return store
    }

    static func closeStore(_ store: SQLiteArchive, logger: Logger) {
        store.close()
        logger.info("store closed", metadata: [
            "path": "\(store.settings.databasePath)", "written": "\(store.writtenMessages)",
            "commits": "\(store.commitCount)", "failed": "\(store.failedMessages)",
        ])
    }
}
