import ArgumentParser
import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline

/// `sluice views [NAME]`
struct Views: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the views pipelines keep in the embedded SQLite store.",
        discussion: """
            Without a name, prints every view in the store (its first rows). With a name, \
            prints that view's rows as a table, ordered by its key. A view with more rows \
            than --limit says how many were left out. The store is .sluice/views.db unless \
            DAA_VIEWS names another sqlite: URI or --db is given. The file is an ordinary \
            SQLite database, so sqlite3 reads it too.

            Example:
              sqlite3 .sluice/views.db 'select * from agent_metrics_10s'
            """)

    @Argument(help: ArgumentHelp("The view to print (omit to list the views).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("The SQLite database to read.", valueName: "path"))
    var db: String?

    @Option(help: "Print at most this many rows per view (default: 10 for all views, 50 for one).")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
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
                }
                for (index, view) in views.enumerated() {
                    print((index == 0 ? "" : "\n") + "\(view) (\(path))")
                    try printView(view, in: path, limit: limit ?? 10)
                }
                return
            }
            try printView(name, in: path, limit: limit ?? 50)
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Prints at most `limit` rows of `view` as a table, and says how many were left out.
    private func printView(_ view: String, in path: String, limit: Int) throws {
        let (columns, rows) = try SQLiteViews.read(path: path, view: view, limit: limit)
        let table = SQLiteViews.renderTable(columns: columns, rows: rows)
        print(table, terminator: table.hasSuffix("\n") ? "" : "\n")
        let total = try SQLiteViews.rowCount(path: path, view: view)
        if total > rows.count {
            print("\(total - rows.count) more of \(total) rows left out (--limit \(total) shows them all)")
        }
    }
}
