/// "Did you mean" suggestions for unknown names.
enum Suggestion {
    /// The candidate `name` most likely meant: one differing only in case, else the
    /// closest within an edit distance of 2 (adjacent transpositions count as one edit).
    /// Short names allow fewer edits (one per three characters, at least one), so `nope`
    /// does not suggest `type`. Ties go to the earlier candidate.
    static func closest(to name: String, in candidates: [String]) -> String? {
        let lowered = name.lowercased()
        if let sameLetters = candidates.first(where: { $0 != name && $0.lowercased() == lowered }) {
            return sameLetters
        }
        let allowed = min(2, max(1, lowered.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let d = distance(lowered, candidate.lowercased())
            if d <= allowed && d < lowered.count && d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// ` — did you mean 'x'?`, or nothing.
    static func hint(for name: String, in candidates: [String]) -> String {
        closest(to: name, in: candidates).map { " — did you mean '\($0)'?" } ?? ""
    }

    /// Optimal string alignment distance (Damerau–Levenshtein without repeated edits of
    /// one substring), over Characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { table[i][0] = i }
        for j in 0...y.count { table[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var d = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                    d = min(d, table[i - 2][j - 2] + 1)
                }
                table[i][j] = d
            }
        }
        return table[x.count][y.count]
    }
}
