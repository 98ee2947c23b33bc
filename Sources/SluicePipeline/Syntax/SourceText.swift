/// A pipeline file's text as Unicode scalars with their line and column, so positions
/// inside YAML scalars can be recovered exactly.
struct SourceText: Sendable {
    let text: String
    let scalars: [Unicode.Scalar]
    let locations: [FileLocation]
    /// Index in `scalars` of the first character of each line.
    private let lineStarts: [Int]

    init(_ text: String) {
        self.text = text
        var scalars: [Unicode.Scalar] = []
        var locations: [FileLocation] = []
        var lineStarts = [0]
        var line = 1, column = 1
        let all = Array(text.unicodeScalars)
        for (index, scalar) in all.enumerated() {
            scalars.append(scalar)
            locations.append(FileLocation(line: line, column: column))
            // libyaml treats CR LF, LF and a lone CR each as one line break.
            let isBreak = scalar == "\n" || (scalar == "\r" && (index + 1 == all.count || all[index + 1] != "\n"))
            if isBreak {
                line += 1
                column = 1
                lineStarts.append(index + 1)
            } else {
                column += 1
            }
        }
        locations.append(FileLocation(line: line, column: column))
        self.scalars = scalars
        self.locations = locations
        self.lineStarts = lineStarts
    }

    /// The index of the character at `location`, if the file has one there.
    func index(of location: FileLocation) -> Int? {
        guard location.line >= 1, location.line <= lineStarts.count, location.column >= 1 else { return nil }
        let index = lineStarts[location.line - 1] + location.column - 1
        return index <= scalars.count ? index : nil
    }
}
