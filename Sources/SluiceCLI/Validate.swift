import ArgumentParser
import Scenario

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a scenario file without running it.",
        discussion: "Prints every problem as file:line:column: field: message and exits 1, or a summary and exits 0.")

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    func run() throws {
        let model = try ScenarioFiles.load(scenario)
        let subscriptions = model.topics.reduce(0) { $0 + $1.subscriptions.count }
        let topics = model.topics.isEmpty ? "" : "\(model.topics.count) topic(s) with \(subscriptions) subscription(s), "
        print("\(scenario): valid — scenario '\(model.name)', \(model.queues.count) queue(s), \(topics)\(model.producers.count) producer(s), "
              + "\(model.consumers.count) consumer fleet(s), \(model.functions.count) function(s), \(model.faults.count) fault(s)")
    }
}
