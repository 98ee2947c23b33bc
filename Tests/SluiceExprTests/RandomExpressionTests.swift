import SluiceCore
import SluiceExpr
import Testing

/// Random well-typed expressions (fixed seeds), evaluated by the engine and by the
/// reference interpreter over random batches.
@Suite struct RandomExpressionTests {
    /// A slice sharing a larger dictionary, duplicate dictionary entries, no nulls, and
    /// plain batches: every dictionary path.
    static let batches = [3, 4, 7, 8, 9, 10].map { Harness.batches(seed: 0x5EED_0002)[$0] }

    @Test(arguments: ExpressionGenerator.Kind.allCases)
    func randomExpressionsAgreeWithTheReference(kind: ExpressionGenerator.Kind) {
        var generator = ExpressionGenerator(seed: 0xF00D + UInt64(ExpressionGenerator.Kind.allCases.firstIndex(of: kind)!))
        var failures: [String] = []
        for _ in 0..<100 {
            let source = generator.expression(kind, depth: 3)
            failures += Harness.mismatches(source, batches: Self.batches).prefix(2)
            if failures.count >= 10 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func theHarnessNoticesADisagreement() {
        // Guards against a harness that cannot fail: a wrong answer must be reported.
        #expect(!Harness.mismatches("i + 1", batches: Self.batches, reference: "i + 2").isEmpty)
        #expect(!Harness.mismatches("s || 'x'", batches: Self.batches, reference: "s || 'y'").isEmpty)
        #expect(Harness.mismatches("i + 1", batches: Self.batches, reference: "1 + i").isEmpty)
    }
}
