import SluiceCore
import SluiceOperators

/// Builds the join operator of a `JoinSpec`: used at load time (to validate and read the
/// output schema) and by the planner (one instance per partition).
enum JoinFactory {
    /// The operator, or nil with the operator's own objections reported at `location`.
    static func makeOperator(
        _ spec: JoinSpec, left: Schema, right: Schema, diagnostics: inout Diagnostics, at location: FileLocation
    ) -> (any StreamOperator)? {
        let problems: [String]
        switch spec.bounds {
        case .interval(let lower, let upper):
            problems = IntervalJoinOperator.validate(
                left: left, right: right, leftKeys: spec.leftKeys, rightKeys: spec.rightKeys, leftTime: spec.leftTimeField,
                rightTime: spec.rightTimeField, lowerMillis: lower.wholeMilliseconds, upperMillis: upper.wholeMilliseconds,
                leftPrefix: spec.leftPrefix, rightPrefix: spec.rightPrefix, emitUnmatchedLeft: spec.emitUnmatchedLeft,
                outputTimeField: spec.timeField)
        case .window(let size):
            problems = WindowJoinOperator.validate(
                left: left, right: right, leftKeys: spec.leftKeys, rightKeys: spec.rightKeys, leftTime: spec.leftTimeField,
                rightTime: spec.rightTimeField, windowSizeMillis: size.wholeMilliseconds, slideMillis: nil,
                leftPrefix: spec.leftPrefix, rightPrefix: spec.rightPrefix, outputTimeField: spec.timeField)
        }
        guard problems.isEmpty else {
            for problem in problems { diagnostics.error(at: location, problem) }
            return nil
        }
        return makeValidated(spec, left: left, right: right)
    }

    /// The operator for a spec that loaded (and so passed validation).
    static func makeValidated(_ spec: JoinSpec, left: Schema, right: Schema) -> any StreamOperator {
        switch spec.bounds {
        case .interval(let lower, let upper):
            IntervalJoinOperator(
                left: left, right: right, leftKeys: spec.leftKeys, rightKeys: spec.rightKeys, leftTime: spec.leftTimeField,
                rightTime: spec.rightTimeField, lowerMillis: lower.wholeMilliseconds, upperMillis: upper.wholeMilliseconds,
                leftPrefix: spec.leftPrefix, rightPrefix: spec.rightPrefix, emitUnmatchedLeft: spec.emitUnmatchedLeft,
                outputTimeField: spec.timeField)
        case .window(let size):
            WindowJoinOperator(
                left: left, right: right, leftKeys: spec.leftKeys, rightKeys: spec.rightKeys, leftTime: spec.leftTimeField,
                rightTime: spec.rightTimeField, windowSizeMillis: size.wholeMilliseconds, slideMillis: nil,
                leftPrefix: spec.leftPrefix, rightPrefix: spec.rightPrefix, outputTimeField: spec.timeField)
        }
    }
}
