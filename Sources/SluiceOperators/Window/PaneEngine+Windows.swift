import SluiceCore

/// Materializing a window from its panes.
extension PaneEngine {
    /// A window's groups merged from its panes, and the slots to emit in the order the
    /// unpaned engine would emit them (first arrival in the window).
    struct MergedWindow {
        var table: GroupTable
        var order: [Int32]
    }

    /// The live panes of the window starting at `start`, oldest first, with their
    /// position in the window.
    func windowPanes(start: Int64) -> [(position: Int32, pane: Int)] {
        var members: [(position: Int32, pane: Int)] = []
        for position in 0..<panesPerWindow {
            let (paneStart, overflow) = start.addingReportingOverflow(Int64(position) * slide)
            if overflow { break }
            if let pane = paneByStart[paneStart] { members.append((Int32(position), pane)) }
        }
        return members
    }

    /// Merges the panes of the window starting at `start` into a fresh table: all keys
    /// (`selection == nil`, when the window fires), or only the keys some pane marks in
    /// `selection` (partial and late-update rows), each with its whole-window value.
    mutating func mergeWindow(start: Int64, selection: KeyPath<Pane, SlotBitmap>?) -> MergedWindow {
        let members = windowPanes(start: start)
        let width = context.encoder.width
        let strings = context.interner.strings
        var keys = KeyTable(width: width, capacity: selection == nil ? windowCapacityHint : 16)
        let accumulators = context.plan.makeAccumulators()
        var arrival: [ArrivalOrder] = []

        if let selection {
            // The selected keys, then each pane's state for them.
            for (_, p) in members {
                let selected = panes[p][keyPath: selection].members
                guard !selected.isEmpty else { continue }
                panes[p].table.keys.keys.withUnsafeBufferPointer { words in
                    for slot in selected {
                        let key = UnsafeBufferPointer(start: words.baseAddress! + Int(slot) * width, count: width)
                        if keys.findOrInsert(key).inserted { arrival.append(.last) }
                    }
                }
            }
            for accumulator in accumulators { accumulator.appendSlots(keys.count) }
            keys.keys.withUnsafeBufferPointer { words in
                for (position, p) in members {
                    let pane = panes[p]
                    var sources: [Int32] = []
                    var targets: [Int32] = []
                    for target in 0..<keys.count {
                        let key = UnsafeBufferPointer(start: words.baseAddress! + target * width, count: width)
                        guard let source = pane.table.keys.find(key) else { continue }
                        sources.append(source)
                        targets.append(Int32(target))
                        let order = ArrivalOrder(batch: pane.insertionBatch(of: source), pane: position, slot: source)
                        if order < arrival[target] { arrival[target] = order }
                    }
                    Self.merge(pane.table.accumulators, sources, into: accumulators, targets, strings: strings)
                }
            }
        } else {
            for (position, p) in members {
                let pane = panes[p]
                let count = pane.table.keys.count
                guard count > 0 else { continue }
                // A pane's keys are distinct: each one new to the window gets the next slot.
                let countBefore = keys.count
                let paneKeys = pane.table.keys.keys
                var hashes: [UInt64] = []
                KeyTable.hashKeys(paneKeys, width: width, into: &hashes)
                let sources = Array(0..<Int32(count))
                var targets = [Int32](repeating: 0, count: count)
                sources.withUnsafeBufferPointer { sources in
                    targets.withUnsafeMutableBufferPointer { targets in
                        keys.findOrInsert(
                            at: sources, keyWords: paneKeys, hashes: hashes, lookahead: RowAssignment.lookahead,
                            slots: targets.baseAddress!)
                    }
                }
                var run = 0
                let runFirstSlots = pane.runFirstSlots
                for source in 0..<count {
                    while run + 1 < runFirstSlots.count && Int(runFirstSlots[run + 1]) <= source { run += 1 }
                    let order = ArrivalOrder(batch: pane.runBatches[run], pane: position, slot: Int32(source))
                    let target = Int(targets[source])
                    if target >= countBefore {
                        arrival.append(order)
                    } else if order < arrival[target] {
                        arrival[target] = order
                    }
                }
                for accumulator in accumulators { accumulator.ensureSlots(keys.count) }
                Self.merge(pane.table.accumulators, sources, into: accumulators, targets, strings: strings)
            }
        }

        let order = (0..<Int32(keys.count)).sorted { arrival[Int($0)] < arrival[Int($1)] }
        let table = GroupTable(
            keys: keys, accumulators: accumulators, start: start, end: WindowMath.saturatingAdd(start, size),
            fired: true)
        return MergedWindow(table: table, order: order)
    }

    /// Folds `sources[j]` of each pane accumulator into `targets[j]` of the window's.
    private static func merge(
        _ paneAccumulators: [any Accumulator], _ sources: [Int32], into windowAccumulators: [any Accumulator],
        _ targets: [Int32], strings: [String]
    ) {
        guard !sources.isEmpty else { return }
        for (window, pane) in zip(windowAccumulators, paneAccumulators) {
            window.merge(into: targets, from: pane, slots: sources, strings: strings)
        }
    }
}
