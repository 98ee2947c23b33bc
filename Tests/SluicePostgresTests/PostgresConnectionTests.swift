import SluicePostgres
import Testing

/// Against the real PostgreSQL of `ops/test-stack.sh`; a missing server fails these tests.
@Suite struct PostgresConnectionTests {
    @Test func parametersRoundTripInTextAndBinary() throws {
        let connection = try PostgresTestDatabase.connect()
        let bytes: [UInt8] = [0, 1, 0x5C, 0x78, 255, 10]
        let rows = try connection.execute(
            "SELECT $1::bigint, $2::float8, $3::boolean, $4::text, $5::text IS NULL, $6::bytea, $7::float8",
            parameters: [.int(-42), .double(0.1), .bool(true), .text("tab\there 'quoted' ü"), .null, .bytes(bytes),
                .double(-.infinity)])
        #expect(rows.columns.count == 7)
        let row = try #require(rows.rows.first)
        #expect(row[0] == "-42")
        #expect(row[1].flatMap(Double.init) == 0.1)
        #expect(row[2] == "t")
        #expect(row[3] == "tab\there 'quoted' ü")
        #expect(row[4] == "t")
        #expect(row[5].flatMap(PostgresText.bytea) == bytes)
        #expect(row[6] == "-Infinity")
    }

    @Test func badSQLIsA42601ThatIsNotRetryableAndKeepsTheStatementOutOfTheDescription() throws {
        let connection = try PostgresTestDatabase.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.execute("SELEKT 'secret-value'")
        }
        #expect(error.code == .server)
        #expect(error.sqlState == "42601")
        #expect(!error.isRetryable)
        #expect(!error.description.contains("secret-value"))
        #expect(error.serverMessage?.contains("SELEKT") == true)
        #expect(String(reflecting: error).contains("SELEKT"))
        // The connection is still usable afterwards.
        #expect(try connection.execute("SELECT 1").rows == [["1"]])
    }

    @Test func aConstraintViolationNamesTheConstraintButNotTheData() throws {
        try PostgresTestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id bigint CONSTRAINT t_pk PRIMARY KEY)")
            try connection.execute("INSERT INTO t VALUES (777001)")
            let error = try #require(throws: PostgresError.self) {
                try connection.execute("INSERT INTO t VALUES ($1)", parameters: [.int(777001)])
            }
            #expect(error.sqlState == "23505")
            #expect(!error.isRetryable)
            #expect(error.constraint == "t_pk" && error.table == "t")
            #expect(error.description.contains("t_pk"))
            #expect(!error.description.contains("777001"))
            #expect(error.serverDetail?.contains("777001") == true)
        }
    }

    @Test func aKilledBackendIsARetryableError() throws {
        let victim = try PostgresTestDatabase.connect()
        let killer = try PostgresTestDatabase.connect()
        let killed = try killer.execute("SELECT pg_terminate_backend($1)", parameters: [.int(Int64(victim.backendProcessID))])
        #expect(killed.rows == [["t"]])
        let error = try #require(throws: PostgresError.self) { try victim.execute("SELECT 1") }
        #expect(error.isRetryable, "\(String(reflecting: error))")
        #expect(error.code == .connectionFailed || error.sqlState == "57P01")
        #expect(!victim.isConnected)
    }

    @Test func anUnreachableServerIsARetryableConnectionFailure() throws {
        // Port 1 on loopback: nothing listens there.
        let configuration = PostgresConfiguration(uri: "postgres://sluice@127.0.0.1:1/views?connect_timeout=2")
        let error = try #require(throws: PostgresError.self) { try PostgresConnection.connect(configuration) }
        #expect(error.code == .connectionFailed)
        #expect(error.isRetryable)
    }

    @Test func aConnectTimeoutIsSetUnlessTheURINamesOne() throws {
        // libpq's own default waits on the operating system, minutes for a host that drops
        // packets; every commit waits behind a connection attempt.
        let standard = try PostgresTestDatabase.connect()
        #expect(standard.parameter("connect_timeout") == "10")
        var configured = try PostgresTestDatabase.configuration()
        configured.uri += (configured.uri.contains("?") ? "&" : "?") + "connect_timeout=3"
        #expect(try PostgresConnection.connect(configured).parameter("connect_timeout") == "3")
        #expect(standard.parameter("password") == nil)
    }

    @Test func theStatementTimeoutIsSetOnConnect() throws {
        let connection = try PostgresTestDatabase.connect(statementTimeout: .milliseconds(200))
        #expect(try connection.execute("SHOW statement_timeout").rows == [["200ms"]])
        let error = try #require(throws: PostgresError.self) { try connection.execute("SELECT pg_sleep(2)") }
        #expect(error.sqlState == "57014")
        let standard = try PostgresTestDatabase.connect()
        #expect(try standard.execute("SHOW statement_timeout").rows == [["10s"]])
    }

    @Test func copyInRoundTripsEveryKindOfValue() throws {
        try PostgresTestDatabase.withSchema { connection, _ in
            try connection.execute(
                "CREATE TABLE t (n bigint, x double precision, b boolean, s text, ts timestamptz, seq serial)")
            let texts = ["plain", "tab\there", "new\nline", "back\\slash", "cr\rx", "\\N", "ünïcödé ✓", ""]
            let stamps: [Int64] = [0, 1_764_000_000_123, -1, -62_135_596_800_001, 951_782_400_000, 253_402_300_799_999]
            var writer = PostgresCopyWriter()
            for (i, text) in texts.enumerated() {
                writer.append(Int64(i) - 3)
                writer.append([0.1, -0.0, 1e300, .infinity, .nan, Double.leastNonzeroMagnitude, 2.5, 3][i])
                writer.append(i % 2 == 0)
                writer.append(text)
                writer.append(timestampMillis: stamps[i % stamps.count])
                writer.endRow()
            }
            writer.appendNull()
            writer.appendNull()
            writer.appendNull()
            writer.appendNull()
            writer.appendNull()
            writer.endRow()
            let copied = try connection.copyIn("COPY t (n, x, b, s, ts) FROM STDIN", data: writer.bytes)
            #expect(copied == texts.count + 1)
            let rows = try connection.execute(
                "SELECT n, x, b, s, (extract(epoch FROM ts) * 1000)::bigint FROM t ORDER BY seq"
            ).rows
            #expect(rows.count == texts.count + 1)
            for (i, text) in texts.enumerated() {
                #expect(rows[i][0] == String(Int64(i) - 3))
                #expect(rows[i][2] == (i % 2 == 0 ? "t" : "f"))
                #expect(rows[i][3] == text)
                #expect(rows[i][4] == String(stamps[i % stamps.count]))
            }
            #expect(rows[0][1] == "0.1" && rows[3][1] == "Infinity" && rows[4][1] == "NaN")
            #expect(rows[5][1].flatMap(Double.init) == Double.leastNonzeroMagnitude)
            #expect(rows.last == [nil, nil, nil, nil, nil])
        }
    }

    @Test func rejectedCopyDataWritesNothingAndLeavesTheConnectionUsable() throws {
        try PostgresTestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (n bigint)")
            let data = Array("1\n2\nnot-a-number\n".utf8)
            let error = try #require(throws: PostgresError.self) { try connection.copyIn("COPY t FROM STDIN", data: data) }
            #expect(error.sqlState == "22P02")
            #expect(try connection.execute("SELECT count(*) FROM t").rows == [["0"]])
            let notCopy = try #require(throws: PostgresError.self) { try connection.copyIn("SELECT 1", data: []) }
            #expect(notCopy.code == .unexpectedResult)
            #expect(try connection.copyIn("COPY t FROM STDIN", data: Array("5\n".utf8)) == 1)
        }
    }

    @Test func aTransactionRollsBackWhenItsBodyThrowsAndCommitsOtherwise() throws {
        struct Boom: Error {}
        try PostgresTestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (n bigint)")
            #expect(throws: Boom.self) {
                try connection.transaction { tx in
                    try tx.execute("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            #expect(!connection.isInTransaction)
            #expect(try connection.execute("SELECT count(*) FROM t").rows == [["0"]])
            try connection.transaction { tx in try tx.execute("INSERT INTO t VALUES (2)") }
            #expect(try connection.execute("SELECT n FROM t").rows == [["2"]])
        }
    }

    @Test func aSwallowedErrorInsideATransactionIsNotASilentCommit() throws {
        try PostgresTestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (n bigint)")
            let error = try #require(throws: PostgresError.self) {
                try connection.transaction { tx in
                    try tx.execute("INSERT INTO t VALUES (1)")
                    _ = try? tx.execute("SELECT * FROM no_such_table")
                }
            }
            #expect(error.code == .unexpectedResult)
            #expect(!connection.isInTransaction)
            #expect(try connection.execute("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test func identifiersAreQuotedByLibpq() throws {
        let connection = try PostgresTestDatabase.connect()
        #expect(try connection.quoteIdentifier("agent_metrics") == "\"agent_metrics\"")
        #expect(try connection.quoteIdentifier("a\"; DROP TABLE x; --") == "\"a\"\"; DROP TABLE x; --\"")
    }
}
