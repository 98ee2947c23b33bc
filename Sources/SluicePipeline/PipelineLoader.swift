import Foundation

/// Loads pipeline files: YAML → positioned tree → `${VAR}` interpolation → schema check
/// → both forms decoded into one graph → semantic check → `PipelineSpec`.
///
/// Loading is all or nothing: a file with any error yields no spec, and every error found
/// is reported, not just the first.
public struct PipelineLoader: Sendable {
    /// The variables `${VAR}` reads.
    public var environment: [String: String]
    /// The connectors URIs may name.
    public var connectors: [ConnectorKind]
    /// URIs that replace what the file says for the named sources (`sluice batch
    /// --input`); they are checked like URIs written in the file, and reported at the
    /// source's place.
    public var sourceOverrides: [String: String]
    /// Decode only the fields the pipeline reads (`SourceNarrowing`), and an id only
    /// de-duplication reads as its fingerprint (`IdFingerprinting`); off, sources decode
    /// every declared field as its type. Every output is the same either way.
    public var narrowsSources = true

    /// A loader reading `environment` (nil: the process environment).
    public init(
        environment: [String: String]? = nil, connectors: [ConnectorKind] = ConnectorKind.all,
        sourceOverrides: [String: String] = [:]
    ) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.connectors = connectors
        self.sourceOverrides = sourceOverrides
    }

    /// Loads the file at `path`.
    public func load(contentsOf path: String) -> PipelineLoad {
        guard let data = FileManager.default.contents(atPath: path) else {
            var diagnostics = Diagnostics()
            diagnostics.error(at: nil, "cannot read the file (does it exist, and is it readable?)")
            return PipelineLoad(path: path, text: nil, spec: nil, diagnostics: diagnostics)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            var diagnostics = Diagnostics()
            diagnostics.error(at: nil, "the file is not valid UTF-8 text")
            return PipelineLoad(path: path, text: nil, spec: nil, diagnostics: diagnostics)
        }
        return load(text: text, path: path)
    }

    /// Loads pipeline text; `path` is only used in messages.
    public func load(text: String, path: String = "<pipeline>") -> PipelineLoad {
        var diagnostics = Diagnostics()
        let source = SourceText(text)
        guard let tree = YAMLReader.read(source, diagnostics: &diagnostics) else {
            return PipelineLoad(path: path, text: text, spec: nil, diagnostics: diagnostics)
        }
        let interpolated = Interpolator(environment: environment).interpolate(tree, diagnostics: &diagnostics)
        var decoder = DocumentDecoder(environment: environment, sourceOverrides: sourceOverrides)
        let document = decoder.decode(interpolated)
        diagnostics.append(contentsOf: decoder.diagnostics)
        guard let document else { return PipelineLoad(path: path, text: text, spec: nil, diagnostics: diagnostics) }
        var checker = PipelineChecker(document, kinds: connectors)
        var spec = checker.check()
        diagnostics.append(contentsOf: checker.diagnostics)
        if narrowsSources, let whole = spec, !diagnostics.hasErrors,
            let narrowed = SourceNarrowing.narrow(whole, document: document, kinds: connectors)
        {
            spec = narrowed
        }
        if spec != nil { SourceNarrowing.keepRecordsForEventOutputs(&spec!) }
        if narrowsSources, spec != nil, !diagnostics.hasErrors { IdFingerprinting.apply(&spec!) }
        for name in sourceOverrides.keys.sorted() where !document.sources.contains(where: { $0.name.value == name }) {
            let names = document.sources.map(\.name.value).joined(separator: ", ")
            diagnostics.error(at: nil, "no source '\(name)' to replace (the pipeline's sources: \(names))")
        }
        if spec == nil, !diagnostics.hasErrors {
            // Every rejection should have said why; never fail silently if one did not.
            diagnostics.error(at: document.location, "internal error: the pipeline was rejected without a reason; please report this file")
        }
        return PipelineLoad(path: path, text: text, spec: diagnostics.hasErrors ? nil : spec, diagnostics: diagnostics)
    }

    /// The pipeline files in `path`: the file itself, or the `.yaml`/`.yml` files of a
    /// directory (not recursive), sorted by name.
    public static func pipelineFiles(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PipelineFileError(path: path, message: "no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
        let base = path.hasSuffix("/") ? path : path + "/"
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { base + $0 }
    }
}

/// A path that is not a pipeline file or directory.
public struct PipelineFileError: Error, Sendable, CustomStringConvertible {
    /// The path given.
    public var path: String
    /// What is wrong with it.
    public var message: String
    /// `path: error: message`.
    public var description: String { "\(path): error: \(message)" }
}

/// The outcome of loading one file.
public struct PipelineLoad: Sendable {
    /// The file loaded (as given).
    public var path: String
    /// The file's text (nil when it could not be read).
    public var text: String?
    /// The pipeline, when the file has no errors.
    public var spec: PipelineSpec?
    /// Every error and warning, in the order found.
    public var diagnostics: Diagnostics

    /// True when the file loaded (warnings allowed).
    public var succeeded: Bool { spec != nil }

    /// The diagnostics as `path:line:column: severity: message` with the offending line
    /// and a caret, in file order.
    public var rendered: String { DiagnosticRenderer(path: path, source: text).render(diagnostics) }

    /// The spec, or an error carrying every diagnostic.
    public func get() throws(PipelineLoadError) -> PipelineSpec {
        guard let spec else { throw PipelineLoadError(load: self) }
        return spec
    }
}

/// A pipeline file that did not load; its description lists every problem.
public struct PipelineLoadError: Error, Sendable, CustomStringConvertible {
    /// The failed load, with every diagnostic.
    public var load: PipelineLoad
    /// Every diagnostic, rendered as `path:line:column: error: message`.
    public var description: String { load.rendered }
}
