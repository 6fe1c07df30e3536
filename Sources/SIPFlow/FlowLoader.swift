import Foundation
import Yams

/// Loads flows from built-in names, files or text, turning every problem into a located `FlowError`.
public enum FlowLoader {
    /// Flow and body files larger than this are refused: a flow is a page, not a data set.
    public static let maximumFileSize = 1 << 20

    /// Loads a built-in flow by name (`basic-call`) or a flow file by path (`flows/x.yaml`).
    ///
    /// A word without `/` and without a `.yaml`/`.yml` extension names a built-in flow.
    /// - Parameter dataColumns: the CSV columns, when known, to check `${data.column}` against.
    public static func load(nameOrPath: String, dataColumns: [String]? = nil) throws(FlowError) -> Flow {
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
        if !looksLikePath {
            guard let source = BuiltinFlows.source(named: nameOrPath) else {
                throw FlowError(
                    "no built-in flow named '\(nameOrPath)'", at: SourceLocation(file: nameOrPath, line: 0, column: 0),
                    hint: Suggestion.hint(for: nameOrPath, in: BuiltinFlows.names)
                        ?? "built-in flows are \(BuiltinFlows.names.joined(separator: ", ")); give a path for a file")
            }
            return try parse(yaml: source, file: "\(nameOrPath).yaml", builtin: true, dataColumns: dataColumns)
        }
        return try load(contentsOf: nameOrPath, dataColumns: dataColumns)
    }

    /// Loads the flow file at `path`; body files are looked up next to it.
    public static func load(contentsOf path: String, dataColumns: [String]? = nil) throws(FlowError) -> Flow {
        let text = try readText(path, what: "flow file", location: SourceLocation(file: path, line: 0, column: 0))
        let directory = (path as NSString).deletingLastPathComponent
        let files = BodyFiles(
            display: { name in name.hasPrefix("/") ? name : (directory.isEmpty ? name : "\(directory)/\(name)") },
            read: { name in
                let full = name.hasPrefix("/") || directory.isEmpty ? name : "\(directory)/\(name)"
                return try? readText(full, what: "body file", location: SourceLocation(file: full, line: 0, column: 0))
            })
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(yaml: text, file: path, defaultName: name, files: files, dataColumns: dataColumns)
    }

    /// Parses flow text. `file` names it in errors; body files resolve against `directory` (nil: the working
    /// directory), or against the built-in files when `builtin` is true.
    public static func parse(
        yaml: String, file: String = "<flow>", directory: String? = nil, builtin: Bool = false,
        dataColumns: [String]? = nil
    ) throws(FlowError) -> Flow {
        let files: BodyFiles
        if builtin {
            files = BodyFiles(display: { "built-in \($0)" }, read: { BuiltinFlows.file($0) })
        } else {
            let directory = directory ?? ""
            let full = { @Sendable (name: String) in name.hasPrefix("/") || directory.isEmpty ? name : "\(directory)/\(name)" }
            files = BodyFiles(display: full, read: { name in
                try? readText(full(name), what: "body file", location: SourceLocation(file: full(name), line: 0, column: 0))
            })
        }
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(yaml: yaml, file: file, defaultName: name, files: files, dataColumns: dataColumns)
    }

    static func parse(yaml: String, file: String, defaultName: String, files: BodyFiles, dataColumns: [String]?) throws(FlowError) -> Flow {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw FlowError(yamlError: error, file: file, source: yaml)
        } catch {
            throw FlowError("cannot read YAML: \(error)", at: SourceLocation(file: file, line: 0, column: 0))
        }
        guard let root else {
            throw FlowError("flow file is empty", at: SourceLocation(file: file, line: 0, column: 0), hint: "start with 'parties:' and 'steps:'")
        }
        var parser = FlowParser(
            reader: NodeReader(file: file, source: yaml), files: files, knownDataColumns: dataColumns.map(Set.init))
        return try parser.parse(root, defaultName: defaultName)
    }

    static func readText(_ path: String, what: String, location: SourceLocation) throws(FlowError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FlowError("\(what) '\(path)' not found", at: location, hint: "check the path")
        }
        guard data.count <= maximumFileSize else {
            throw FlowError("\(what) '\(path)' is larger than 1 MiB", at: location)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FlowError("\(what) '\(path)' is not UTF-8 text", at: location)
        }
        return text
    }
}

extension FlowError {
    /// A Yams/libyaml error as a located flow error.
    init(yamlError: YamlError, file: String, source: String) {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        func hint(_ context: YamlError.Context?) -> String? {
            context.map { "\($0.text) at line \($0.mark.line), column \($0.mark.column)" }
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            self.init("YAML syntax error: \(problem)", at: at(mark), hint: hint(context))
        case .reader(let problem, let offset, _, _):
            let location = FlowParser.location(inText: source, offset: offset ?? 0, file: file)
            self.init("cannot read the file: \(problem)", at: offset == nil ? SourceLocation(file: file, line: 0, column: 0) : location)
        case .duplicatedKeysInMapping(let duplicates, let context):
            self.init("duplicate key '\(duplicates.first ?? "")'", at: at(context.mark), hint: "each key appears once in a mapping")
        default:
            self.init("cannot read YAML: \(yamlError)", at: SourceLocation(file: file, line: 0, column: 0))
        }
    }
}
