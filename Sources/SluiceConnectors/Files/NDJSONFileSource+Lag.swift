public import SluiceCore

/// Consumer lag of a file: the bytes no split has read yet (size at open − consumed).
extension NDJSONFileSource: LagReporting {
    public var consumerLag: ConsumerLag? {
        ConsumerLag(unit: "bytes", amount: max(0, fileSize - progress.total))
    }
}
