import ArgumentParser
import Foundation
import SluiceConnectors
import SluicePipeline

/// `sluice views [NAME]`
struct Views: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the views pipelines keep in the embedded SQLite store.",
        discussion: """
            Without a name, lists the views in the store. With a name, prints the view's rows as
            a table, ordered by its key. The store is .sluice/views.db unless DAA_VIEWS names
            another sqlite: URI or --db is given. The file is an ordinary SQLite database:
            sqlite3 .sluice/views.db 'select * from agent_metrics_10s' works too.
            """)

    @Argument(help: ArgumentHelp("The view to print (omit to list the views).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("The SQLite database to read.", valueName: "path"))
    var db: String?

    @Option(help: "Print at most this many rows.")
    var limit: Int = 50

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        guard let path = db ?? EmbeddedDefaults.viewsDatabasePath(environment: ProcessInfo.processInfo.environment) else {
            Terminal.printError("error: DAA_VIEWS does not name an sqlite: store; give --db PATH")
            throw ExitCode(2)
        }
        do {
            guard let name else {
                let views = try SQLiteViews.listViews(path: path)
                if views.isEmpty {
                    print("no views in \(path) yet: run a pipeline first (sluice run pipelines/ --for 30s)")
                } else {
                    print("views in \(path):")
                    for view in views { print("  \(view)") }
                }
                return
            }
            let (columns, rows) = try SQLiteViews.read(path: path, view: name, limit: limit)
            print(SQLiteViews.renderTable(columns: columns, rows: rows))
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
