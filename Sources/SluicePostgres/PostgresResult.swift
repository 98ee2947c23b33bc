internal import CLibPQ

/// The one place a libpq outcome becomes a Swift value or a `PostgresError`.
///
/// `check` takes ownership of the result: it either returns it (the caller `PQclear`s it
/// through `OwnedResult`) or clears it and throws. A nil result (out of memory, or the
/// connection broke before a result arrived) and a result whose status is not one of
/// `expected` are errors; the SQLSTATE, message and schema fields are copied out before
/// the result is freed, so nothing above this file sees libpq memory.
enum PostgresFunnel {
    /// PG_DIAG_* field codes (single-character macros libpq defines in postgres_ext.h).
    private enum Field {
        static let sqlState = Int32(UInt8(ascii: "C"))
        static let message = Int32(UInt8(ascii: "M"))
        static let detail = Int32(UInt8(ascii: "D"))
        static let table = Int32(UInt8(ascii: "t"))
        static let column = Int32(UInt8(ascii: "c"))
        static let constraint = Int32(UInt8(ascii: "n"))
    }

    static func check(
        _ result: OpaquePointer?, on connection: OpaquePointer, expected: [ExecStatusType], operation: String,
        file: String = #fileID, line: Int = #line
    ) throws -> OwnedResult {
        guard let result else {
            throw connectionError(connection, operation: operation, file: file, line: line)
        }
        let status = PQresultStatus(result)
        if expected.contains(status) { return OwnedResult(result) }
        defer { PQclear(result) }
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let sqlState = field(Field.sqlState)
        let message = field(Field.message) ?? String(cString: PQresultErrorMessage(result))
        switch status {
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            // No SQLSTATE on an error result means libpq made it: the connection is gone.
            if sqlState == nil && PQstatus(connection) == CONNECTION_BAD {
                throw PostgresError(
                    .connectionFailed, operation: operation, reason: "the connection to the server broke",
                    serverMessage: message, file: file, line: line)
            }
            throw PostgresError(
                .server, operation: operation, sqlState: sqlState, reason: sqlState.map(Self.className),
                serverMessage: message, serverDetail: field(Field.detail), table: field(Field.table),
                column: field(Field.column), constraint: field(Field.constraint), file: file, line: line)
        default:
            throw PostgresError(
                .unexpectedResult, operation: operation,
                reason: "the server answered \(String(cString: PQresStatus(status))), expected "
                    + expected.map { String(cString: PQresStatus($0)) }.joined(separator: " or "),
                file: file, line: line)
        }
    }

    /// The error for a connection that failed or broke (libpq's message kept out of `description`).
    static func connectionError(
        _ connection: OpaquePointer, operation: String, file: String = #fileID, line: Int = #line
    ) -> PostgresError {
        PostgresError(
            .connectionFailed, operation: operation,
            reason: PQstatus(connection) == CONNECTION_BAD ? "no usable connection to the server" : nil,
            serverMessage: PQerrorMessage(connection).map { String(cString: $0) }, file: file, line: line)
    }

    /// The SQLSTATE class in words (the first two characters), for a useful generic description.
    static func className(_ sqlState: String) -> String {
        switch sqlState.prefix(2) {
        case "08": "connection exception"
        case "22": "data exception"
        case "23": "integrity constraint violation"
        case "25": "invalid transaction state"
        case "28": "invalid authorization"
        case "3D": "invalid database name"
        case "3F": "invalid schema name"
        case "40": "transaction rollback (serialization failure or deadlock)"
        case "42": "syntax error or access rule violation"
        case "53": "insufficient resources"
        case "54": "program limit exceeded"
        case "55": "object not in prerequisite state"
        case "57": sqlState == "57014" ? "statement cancelled (statement timeout)" : "operator intervention"
        case "58": "system error"
        case "XX": "internal error"
        default: "SQLSTATE class \(sqlState.prefix(2))"
        }
    }
}

/// A `PGresult` owned by Swift: cleared exactly once, when the owner goes away.
final class OwnedResult {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { PQclear(pointer) }

    /// Copies columns, text values and the affected-row count out of the result.
    func rows() -> PostgresRows {
        let columnCount = Int(PQnfields(pointer))
        let rowCount = Int(PQntuples(pointer))
        let columns = (0..<columnCount).map { String(cString: PQfname(pointer, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<Int32(rowCount) {
            var row: [String?] = []
            row.reserveCapacity(columnCount)
            for c in 0..<Int32(columnCount) {
                row.append(PQgetisnull(pointer, r, c) != 0 ? nil : String(cString: PQgetvalue(pointer, r, c)))
            }
            rows.append(row)
        }
        let tuples = String(cString: PQcmdTuples(pointer))
        return PostgresRows(columns: columns, rows: rows, affectedRows: Int(tuples))
    }
}
