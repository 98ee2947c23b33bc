import Foundation
import Testing
@testable import SluiceConnectors

/// The thin layer over the C API: configuration, error translation, text round trips.
@Suite struct SQLiteWrapperTests {
    @Test func writableConnectionsUseWALAndNormalSync() throws {
        try withViewStore { path in
            let connection = try testConnection(path)
            #expect(try connection.prepare("PRAGMA journal_mode").singleText() == "wal")
            #expect(try connection.prepare("PRAGMA synchronous").singleText() == "1")  // NORMAL
            #expect(try connection.prepare("PRAGMA busy_timeout").singleText() == "\(SQLiteConnection.busyTimeoutMillis)")
        }
    }

    @Test func errorsNameTheOperationAndSQLitesMessage() throws {
        try withViewStore { path in
            let connection = try testConnection(path)
            let error = #expect(throws: SQLiteError.self) { try connection.prepare("SELEKT 1") }
            #expect(error?.operation == "prepare SELEKT 1")
            #expect(error?.code == 1)  // SQLITE_ERROR
            #expect(error?.message.contains("syntax error") == true)
            #expect(error?.description.hasPrefix("SQLite: prepare SELEKT 1 failed: ") == true)
        }
    }

    @Test func openingAMissingFileReadOnlyFails() throws {
        try withViewStore { path in
            let error = #expect(throws: SQLiteError.self) { try SQLiteConnection.open(path: path, access: .readOnly) }
            #expect(error?.operation == "open \(path)")
            #expect(error?.code == 14)  // SQLITE_CANTOPEN
        }
    }

    @Test func aStatementIsReusableAfterAFailedStep() throws {
        try withViewStore { path in
            let connection = try testConnection(path)
            try connection.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
            let insert = try connection.prepare("INSERT INTO t (k) VALUES (?1)", persistent: true)
            try insert.bind(1 as Int64, at: 1)
            try insert.run()
            let error = #expect(throws: SQLiteError.self) { try insert.run() }
            #expect(error?.code == 19)  // SQLITE_CONSTRAINT
            try insert.bind(2 as Int64, at: 1)
            try insert.run()
            #expect(try connection.prepare("SELECT group_concat(k) FROM t").singleText() == "1,2")
        }
    }

    @Test func textBindsAsTextNeverNull() throws {
        try withViewStore { path in
            let connection = try testConnection(path)
            let select = try connection.prepare("SELECT typeof(?1) || ':' || ?1")
            for text in ["", "a", "Grüße 🚀", String(repeating: "ü", count: 50_000)] {
                try select.bind(text, at: 1)
                #expect(try select.singleText() == "text:" + text)
            }
            #expect(throws: SQLiteError.self) { try select.bind("x", at: 2) }  // SQLITE_RANGE
        }
    }
}
