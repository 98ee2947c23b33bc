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
            Without a name, prints every view in the store (its first rows). With a name,
            prints that view's rows as a table, ordered by its key. The store is .sluice/views.db unless DAA_VIEWS names
            another sqlite: URI or --db is given. The file is an ordinary SQLite database:
            sqlite3 .sluice/views.db 'select * from agent_metrics_10s' works too.
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
                    let (columns, rows) = try SQLiteViews.read(path: path, view: view, limit: limit ?? 10)
                    print((index == 0 ? "" : "\n") + "\(view) (\(path))")
                    printTable(columns, rows)
                }
                return
            }
            let (columns, rows) = try SQLiteViews.read(path: path, view: name, limit: limit ?? 50)
            printTable(columns, rows)
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// The table as the view store renders it (it ends with its own newline).
    private func printTable(_ columns: [String], _ rows: [[Value]]) {
        let table = SQLiteViews.renderTable(columns: columns, rows: rows)
        print(table, terminator: table.hasSuffix("\n") ? "" : "\n")
    }
}
