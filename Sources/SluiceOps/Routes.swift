import Foundation
import Hummingbird
import NIOCore
import SluiceRuntime

/// The endpoints. Every answer is computed from the jobs' status seams when asked.
enum Routes {
    static func router(state: OpsState, metrics: OpsMetrics) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { _, _ in
            checks(HealthChecks.liveness(state))
        }
        router.get("readyz") { _, _ in
            checks(HealthChecks.readiness(state))
        }
        router.get("metrics") { _, _ in
            metrics.refresh(state)
            return text(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("pipelines") { _, _ in
            json(PipelinesReport(state).json())
        }
        router.get("pipelines/:name/watermarks") { _, context in
            guard let name = context.parameters.get("name"), let pipeline = state.pipeline(named: name) else {
                return text("no such pipeline\n", status: .notFound)
            }
            return json(WatermarksReport(pipeline, timeout: state.configuration.pingTimeout).json())
        }
        router.get("pipelines/:name/windows") { request, context in
            guard let name = context.parameters.get("name"), let pipeline = state.pipeline(named: name) else {
                return text("no such pipeline\n", status: .notFound)
            }
            // One `key` parameter per key column, in order (`?key=agent-7&key=cpu`).
            let key = request.uri.queryParameters.getAll("key")
            guard !key.isEmpty else { return text("give the key: ?key=VALUE, once per key column\n", status: .badRequest) }
            return json(KeyWindowsReport(pipeline, key: key, timeout: state.configuration.pingTimeout).json())
        }
        return router
    }

    /// 200 with every check when all pass, else 503; one line per check, failures first.
    static func checks(_ checks: [Check]) -> Response {
        let failed = checks.filter { !$0.ok }
        let body = (failed + checks.filter(\.ok)).map(\.line).joined(separator: "\n") + "\n"
        return text(body, status: failed.isEmpty ? .ok : .serviceUnavailable)
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
