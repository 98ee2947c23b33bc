import SluiceConnectors
import SluiceCore
import SluicePostgres
import Testing

/// The commit group: one transaction per epoch, atomic, fenced, restorable.
@Suite struct PostgresCommitGroupTests {
    @Test func latestReadsBackTheSavedCheckpoint() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            #expect(try group.latest(pipeline: "p") == nil)
            try group.save(PGTestRows.checkpoint(1), pipeline: "p")
            try group.save(PGTestRows.checkpoint(3), pipeline: "p")
            #expect(try group.latest(pipeline: "p") == PGTestRows.checkpoint(3))
            #expect(try db.group(owner: "another").latest(pipeline: "p") == PGTestRows.checkpoint(3))
            #expect(try group.latest(pipeline: "other") == nil)
            #expect(try group.latestOwner(pipeline: "p") == "test-owner")
            // Stored as the shared manifest format (CheckpointManifest), its parts beside it.
            let stored = try db.admin.execute("SELECT bytes FROM \(db.name).sluice_checkpoints WHERE pipeline = 'p'").rows
            let bytes = try #require(stored.first?.first.flatMap { $0 }.flatMap(PostgresText.bytea))
            #expect(try CheckpointManifest(decoding: bytes).length == CheckpointCodec.encode(PGTestRows.checkpoint(3)).count)
            #expect(throws: SluiceError.self) { try StoredCheckpoint.decode(bytes) }
        }
    }

    @Test func aFailureMidTransactionLeavesNeitherRowsNorCheckpoint() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let good = group.viewSink(name: "good", view: "good")
            let bad = group.viewSink(name: "bad", view: "bad")
            try good.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent"]))
            try bad.open(schema: PGTestRows.schema, mode: .append)
            try db.admin.execute("ALTER TABLE \(db.name).bad ADD CONSTRAINT positive CHECK (n > 0)")
            try good.write(PGTestRows.batch([("a", 1, 1, true, 10)]))
            try bad.write(PGTestRows.batch([("a", -1, 1, true, 10)]))
            try good.prepare(epoch: Epoch(1))
            try bad.prepare(epoch: Epoch(1))
            let error = try #require(throws: PostgresError.self) { try group.save(PGTestRows.checkpoint(1), pipeline: "p") }
            #expect(error.sqlState == "23514" && error.constraint == "positive")
            #expect(try db.count("good") == 0)
            #expect(try db.count("bad") == 0)
            #expect(try db.count("sluice_epochs") == 0)
            #expect(try group.latest(pipeline: "p") == nil)
        }
    }

    @Test func fencingRefusesAnEpochAtOrBelowTheStoredOne() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "metrics")
            try sink.open(schema: PGTestRows.schema, mode: .append)
            try sink.prepare(epoch: Epoch(2))
            try group.save(PGTestRows.checkpoint(2), pipeline: "p")
            for epoch: UInt64 in [2, 1] {
                try sink.write(PGTestRows.batch([("late", 1, 1, true, 10)]))
                try sink.prepare(epoch: Epoch(epoch))
                let error = try #require(throws: SluiceError.self) { try group.save(PGTestRows.checkpoint(epoch), pipeline: "p") }
                #expect(error.message.contains("not after the stored checkpoint epoch 2"), "\(error.message)")
            }
            #expect(try db.count("metrics") == 0)
            #expect(try group.latest(pipeline: "p")?.epoch == Epoch(2))
        }
    }

    /// A worker of pipeline "p": its commit group and its upserted `metrics` view.
    private struct Worker {
        typealias Row = (String?, Int64?, Double?, Bool?, Int64?)
        let group: PostgresCommitGroup
        let view: PostgresViewSink

        init(_ db: PostgresTestNamespace, owner: String, claims: Bool) throws {
            group = db.group(owner: owner)
            if claims { try group.claim(pipeline: "p") }
            view = group.viewSink(name: "view", view: "metrics")
            try view.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent"]))
        }

        /// Writes and prepares `rows` as epoch `epoch`; `save` commits them.
        func prepare(_ rows: [Row], epoch: UInt64) throws {
            try view.write(PGTestRows.batch(rows))
            try view.prepare(epoch: Epoch(epoch))
        }

        func save(_ epoch: UInt64) throws { try group.save(PGTestRows.checkpoint(epoch), pipeline: "p") }
    }

    @Test func aStaleOwnerCannotOverwriteANewerWorkersRowsOrCheckpoint() throws {
        try PostgresTestNamespace.with { db in
            let stale = try Worker(db, owner: "worker-old", claims: false)
            try stale.prepare([("a", 1, 1, true, 10)], epoch: 1)
            try stale.save(1)

            // The partition moves: a new worker restores epoch 1 and commits epochs 2 and 3.
            let fresh = try Worker(db, owner: "worker-new", claims: false)
            #expect(try fresh.group.latest(pipeline: "p")?.epoch == Epoch(1))
            try fresh.prepare([("a", 3, 3, true, 30)], epoch: 3)
            try fresh.save(3)

            // The old worker, unaware, tries to save its epoch 2: refused, nothing written.
            try stale.prepare([("a", 2, 2, false, 20), ("z", 2, 2, false, 20)], epoch: 2)
            let error = try #require(throws: SluiceError.self) { try stale.save(2) }
            #expect(error.code == .fenced, "\(error)")
            #expect(error.message.contains("fenced") && error.message.contains("worker-new"), "\(error.message)")
            #expect(try db.rows("metrics", columns: ["agent", "n"]) == [["a", "3"]])
            #expect(try fresh.group.latest(pipeline: "p") == PGTestRows.checkpoint(3))
            #expect(try fresh.group.latestOwner(pipeline: "p") == "worker-new")
        }
    }

    @Test func aStaleWorkerAheadOfTheRestoredCheckpointIsRefusedByTheClaim() throws {
        try PostgresTestNamespace.with { db in
            let stale = try Worker(db, owner: "worker-old", claims: true)
            try stale.prepare([("a", 1, 1, true, 10)], epoch: 1)
            try stale.save(1)

            // The pipeline moves while the old worker runs on: a new worker claims it,
            // restores epoch 1 and commits epoch 2.
            let fresh = try Worker(db, owner: "worker-new", claims: true)
            #expect(try fresh.group.latest(pipeline: "p")?.epoch == Epoch(1))
            try fresh.prepare([("a", 2, 2, true, 20)], epoch: 2)
            try fresh.save(2)

            // The old worker's epoch 5 is above the stored 2, so epochs alone would let it
            // through; the claim refuses it and nothing of it is written.
            try stale.prepare([("a", 5, 5, false, 50), ("z", 5, 5, false, 50)], epoch: 5)
            let error = try #require(throws: SluiceError.self) { try stale.save(5) }
            #expect(error.message.contains("taken over by worker 'worker-new'"), "\(error.message)")
            #expect(try db.rows("metrics", columns: ["agent", "n"]) == [["a", "2"]])
            #expect(try fresh.group.latest(pipeline: "p") == PGTestRows.checkpoint(2))
            #expect(try fresh.group.latestOwner(pipeline: "p") == "worker-new")
            // The new owner goes on committing.
            try fresh.prepare([("a", 3, 3, true, 30)], epoch: 3)
            try fresh.save(3)
            #expect(try db.rows("metrics", columns: ["agent", "n"]) == [["a", "3"]])
        }
    }

    @Test func aSaveRetriesOverABrokenConnection() throws {
        let application = "sluice-retry-\(UInt32.random(in: 0 ... .max))"
        let db = try PostgresTestNamespace(applicationName: application)
        try withExtendedLifetime(db) {
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "metrics")
            try sink.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent"]))
            try sink.write(PGTestRows.batch([("a", 1, 1, true, 10)]))
            try sink.prepare(epoch: Epoch(1))
            // Kill the group's backend (not the admin's) between epochs.
            let killed = try db.admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
                parameters: [.text(application)]
            ).rows
            #expect(killed == [["t"]])
            try group.save(PGTestRows.checkpoint(1), pipeline: "p")
            #expect(try db.rows("metrics", columns: ["agent", "n"]) == [["a", "1"]])
            #expect(try group.latest(pipeline: "p")?.epoch == Epoch(1))
            #expect(group.breakerState == .closed(consecutiveFailures: 0))
        }
    }

    @Test func anUnreachableDatabaseOpensTheBreakerInsteadOfSpinning() throws {
        let group = PostgresCommitGroup(
            configuration: PostgresConfiguration(uri: "postgres://sluice@127.0.0.1:1/views?connect_timeout=1"),
            breaker: .init(failureThreshold: 2, coolDown: .seconds(60), backoff: Backoff(initial: .milliseconds(10), jitter: 0, seed: 0)),
            maxSaveAttempts: 2)
        #expect(throws: (any Error).self) { try group.save(PGTestRows.checkpoint(1), pipeline: "p") }
        guard case .open = group.breakerState else {
            Issue.record("breaker should be open, is \(group.breakerState)")
            return
        }
        // Open: further calls fail fast, without connecting.
        let error = try #require(throws: SluiceError.self) { try group.latest(pipeline: "p") }
        #expect(error.message.contains("circuit breaker"))
    }
}

/// Incremental checkpoints in PostgreSQL: a manifest and its parts stored, parts no manifest
/// names deleted, rows of older versions (LZ4-framed, plain) still load.
@Suite struct PostgresStoredCheckpointTests {
    @Test func aManifestAndItsPartsAreStoredAndOldRowsStillLoad() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            try group.save(StoredCheckpointTests.large(1), pipeline: "new")
            #expect(try group.latest(pipeline: "new") == StoredCheckpointTests.large(1))
            let stored = try db.admin.execute("SELECT bytes FROM \(db.name).sluice_checkpoints WHERE pipeline = 'new'").rows
            let bytes = try #require(stored.first?.first.flatMap { $0 }.flatMap(PostgresText.bytea))
            #expect(bytes.starts(with: Array("SPRT".utf8)))
            let parts = try db.admin.execute(
                "SELECT sum(length(bytes)) FROM \(db.name).sluice_checkpoint_parts WHERE pipeline = 'new'").rows
            let partBytes = try #require(parts.first?.first.flatMap { $0 }.flatMap { Int($0) })
            #expect(partBytes < CheckpointCodec.encode(StoredCheckpointTests.large(1)).count / 3)
            // Other state: the parts of the first checkpoint that the second does not name go.
            var other = StoredCheckpointTests.large(2)
            other.states["aggregate"] = [Array(repeating: 7, count: 300_000)]
            try group.save(other, pipeline: "new")
            #expect(try db.group().latest(pipeline: "new") == other)
            let manifest = try CheckpointManifest(
                decoding: try #require(
                    try db.admin.execute("SELECT bytes FROM \(db.name).sluice_checkpoints WHERE pipeline = 'new'").rows
                        .first?.first.flatMap { $0 }.flatMap(PostgresText.bytea)))
            let ids = try db.admin.execute("SELECT id FROM \(db.name).sluice_checkpoint_parts WHERE pipeline = 'new'").rows
                .compactMap { $0.first.flatMap { $0 }.flatMap(PostgresText.bytea).flatMap(PartID.init(bytes:)) }
            #expect(Set(ids) == manifest.ids)
            for (pipeline, old) in [
                ("framed", try StoredCheckpoint.encode(StoredCheckpointTests.large(7))),
                ("old", CheckpointCodec.encode(StoredCheckpointTests.large(7))),
            ] {
                try db.admin.execute(
                    "INSERT INTO \(db.name).sluice_checkpoints (pipeline, epoch, owner, saved_at, bytes) VALUES ($1, 7, 'test-owner', now(), $2)",
                    parameters: [.text(pipeline), .bytes(old)])
                #expect(try group.latest(pipeline: pipeline) == StoredCheckpointTests.large(7))
            }
        }
    }
}
