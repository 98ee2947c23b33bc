import Testing

@testable import SluicePipeline

@Suite struct SuggestionsTests {
    @Test func editDistanceCountsAdjacentSwapsAsOne() {
        #expect(Suggestions.editDistance("window", "window") == 0)
        #expect(Suggestions.editDistance("windw", "window") == 1)
        #expect(Suggestions.editDistance("windwo", "window") == 1)
        #expect(Suggestions.editDistance("agnet_id", "agent_id") == 1)
        #expect(Suggestions.editDistance("", "abc") == 3)
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
    }

    @Test func suggestsOnlyPlausibleTypos() {
        let keys = ["filter", "map", "select", "key_by", "window", "aggregate"]
        #expect(Suggestions.closest(to: "windw", among: keys) == "window")
        #expect(Suggestions.closest(to: "agregate", among: keys) == "aggregate")
        #expect(Suggestions.closest(to: "compression", among: keys) == nil)
        // Short words allow one edit only.
        #expect(Suggestions.closest(to: "mop", among: keys) == "map")
        #expect(Suggestions.closest(to: "xyz", among: keys) == nil)
        #expect(Suggestions.didYouMean("snk", among: ["sink", "source"]) == " — did you mean 'sink'?")
    }
}
