/// The flows that ship with sipflow (`flows/*.yaml` in the repository), embedded in the module.
public enum BuiltinFlows {
    /// Names of the built-in flows, sorted: `basic-call`, `cancel`, ...
    public static let names: [String] = BuiltinFlowFiles.contents.keys
        .filter { $0.hasSuffix(".yaml") && !$0.contains("/") }
        .map { String($0.dropLast(5)) }
        .sorted()

    /// The YAML text of the built-in flow `name`, or nil when there is none.
    public static func source(named name: String) -> String? {
        BuiltinFlowFiles.contents["\(name).yaml"]
    }

    /// A file under `flows/` by relative path, e.g. `sdp/pcmu.sdp`.
    public static func file(_ path: String) -> String? {
        BuiltinFlowFiles.contents[path]
    }

    /// Every embedded file by path under `flows/`.
    public static var files: [String: String] { BuiltinFlowFiles.contents }

    /// The JSON Schema (draft 2020-12) for flow files, for editors: `sipflow-flow.schema.json`.
    public static var schema: String { BuiltinFlowFiles.contents[schemaFile] ?? "" }

    static let schemaFile = "sipflow-flow.schema.json"
}
