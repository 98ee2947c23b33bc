public import SluiceCore

/// A view records its last epoch in `_sluice_epochs`; jobs start after it.
extension SQLiteViewSink: EpochRecordingSink {}
