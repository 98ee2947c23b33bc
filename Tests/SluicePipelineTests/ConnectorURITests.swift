import Testing

@testable import SluicePipeline

@Suite struct ConnectorURITests {
    private func parse(_ text: String) throws -> ConnectorURI {
        switch ConnectorURI.parse(text) {
        case .success(let uri): return uri
        case .failure(let error): throw error
        }
    }

    @Test func opaqueWithQuery() throws {
        let uri = try parse("generator:daa?agents=100&rate=2000&seed=7")
        #expect(uri.scheme == "generator")
        #expect(!uri.isHierarchical)
        #expect(uri.path == "daa")
        #expect(uri.parameter("agents") == "100")
        #expect(uri.parameter("seed") == "7")
        #expect(uri.parameter("missing") == nil)
        #expect(uri.redacted == "generator:daa?agents=100&rate=2000&seed=7")
    }

    @Test func hierarchicalWithCredentialsIsRedacted() throws {
        let uri = try parse("amqp://daa:hunter2@mq.local:5672/daa?queue=events")
        #expect(uri.isHierarchical)
        #expect(uri.user == "daa")
        #expect(uri.password == "hunter2")
        #expect(uri.host == "mq.local")
        #expect(uri.port == 5672)
        #expect(uri.path == "daa")
        #expect(uri.redacted == "amqp://daa:***@mq.local:5672/daa?queue=events")
        #expect("\(uri)" == uri.redacted)
        #expect(!String(describing: uri).contains("hunter2"))
    }

    @Test func secretParametersAreRedacted() throws {
        let uri = try parse("postgres://sluice@db/daa?sslmode=require&password=pw&api_token_secret=x")
        #expect(uri.redacted == "postgres://sluice@db/daa?sslmode=require&password=***&api_token_secret=***")
    }

    @Test func percentDecoding() throws {
        let uri = try parse("file:my%20events.ndjson")
        #expect(uri.path == "my events.ndjson")
        let amqp = try parse("amqp://u:p%40ss@h/v")
        #expect(amqp.password == "p@ss")
        #expect(amqp.host == "h")
    }

    @Test func emptyOpaquePath() throws {
        let uri = try parse("stdout:")
        #expect(uri.scheme == "stdout")
        #expect(uri.path.isEmpty)
        #expect(uri.parameters.isEmpty)
    }

    @Test func errorsSayWhereAndWhat() {
        #expect(throws: URISyntaxError(message: "'events.ndjson' is not a URI: it needs a scheme such as file:, generator:, sqlite: or stdout:", offset: 0, length: 13)) {
            try parse("events.ndjson")
        }
        #expect(throws: URISyntaxError(message: "invalid port 'x1': expected 1–65535", offset: 12, length: 2)) {
            try parse("amqp://host:x1/v")
        }
        #expect(throws: URISyntaxError(message: "a URI cannot contain spaces (write %20)", offset: 7, length: 1)) {
            try parse("file:my events.ndjson")
        }
        #expect(throws: URISyntaxError(message: "invalid percent-encoding in the URI's path", offset: 5, length: 3)) {
            try parse("file:%zz")
        }
    }
}
