/// Combining null masks (`Column.validity`: nil = no nulls, false = null row).
enum Validity {
    /// Rows valid in both.
    static func and(_ a: [Bool]?, _ b: [Bool]?) -> [Bool]? {
        guard let a else { return b }
        guard let b else { return a }
        return bytewise(a, b, count: a.count) { $0 & $1 }
    }

    /// Rows valid in every mask.
    static func and(_ masks: [[Bool]?]) -> [Bool]? {
        masks.reduce(nil) { and($0, $1) }
    }

    /// `valid` with the `bad` rows made null.
    static func removing(_ bad: [Bool]?, from valid: [Bool]?) -> [Bool]? {
        guard let bad else { return valid }
        guard let valid else { return bytewise(bad, count: bad.count) { $0 ^ 1 } }
        return bytewise(valid, bad, count: valid.count) { $0 & ($1 ^ 1) }
    }

    /// nil when every row is valid, so consumers keep their no-null fast paths.
    static func compact(_ valid: [Bool]?) -> [Bool]? {
        guard let valid, valid.contains(false) else { return nil }
        return valid
    }
}
