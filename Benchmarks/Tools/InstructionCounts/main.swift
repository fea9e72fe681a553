import BenchmarkSupport
import SimKernel
import Foundation

// Runs one benchmark body once, for `valgrind --tool=callgrind`, whose instruction counts do not
// depend on what else the machine is doing. Run each body at two sizes and divide the difference
// in instructions by the difference in work: that cancels the fill, the setup and process start.
//
//   instruction-counts hold <pending> <holds>
//   instruction-counts queue <messages>
//   instruction-counts fifo <groups> <messages>
//   instruction-counts mm1 <messages>
//   instruction-counts filter <evaluations>
//   instruction-counts fanout <publishes>
//   instruction-counts stream <batches of 500 records>
//   instruction-counts clickstream <records>

let usage = "usage: instruction-counts hold <pending> <holds> | queue <messages> | fifo <groups> <messages> | mm1 <messages> | filter <evaluations> | fanout <publishes> | stream <batches> | clickstream <records>"
let arguments = Array(CommandLine.arguments.dropFirst())
func count(_ index: Int) -> Int {
    guard index < arguments.count, let value = Int(arguments[index]), value >= 0 else {
        print(usage)
        exit(2)
    }
    return value
}

switch arguments.first {
case "hold":
    let model = HoldModel(pending: max(1, count(1)))
    let result = model.hold(operations: count(2))
    print("holds \(result.eventsRun) final \(result.finalInstant) pending \(result.pendingCount)")
case "queue":
    let result = QueueCycle().run(messages: count(1))
    print("deleted \(result.messagesDeleted) timers fired \(result.timersFired) virtual \(result.now)")
case "fifo":
    let interval = arguments.count > 3 ? Span.seconds(Int64(count(3))) : .seconds(300)
    let result = FifoQueueCycle(groups: max(1, count(1)), deduplicationInterval: interval).run(messages: count(2))
    print("deleted \(result.messagesDeleted) timers fired \(result.timersFired) virtual \(result.now)")
case "mm1":
    let result = ScenarioBenchmark.mm1(messages: max(1, count(1)))
    print("sent \(result.messagesSent) deleted \(result.messagesDeleted) lost \(result.messagesLost) events \(result.eventsRun) end \(result.endReason)")
case "filter":
    let result = FilterPolicyEvaluation().run(evaluations: count(1))
    print("evaluations \(result.evaluations) matched \(result.matched)")
case "fanout":
    let result = TopicFanOut().run(publishes: count(1))
    print("published \(result.published) delivered \(result.delivered)")
case "stream":
    let result = StreamCycle().run(batches: count(1))
    print("put \(result.recordsPut) read \(result.recordsRead)")
case "clickstream":
    let r = ScenarioBenchmark.clickstream(records: max(1, count(1)))
    print("put \(r.recordsPut) processed \(r.recordsProcessed) duplicates \(r.duplicates) out of order \(r.outOfOrder) unhandled \(r.unhandled) events \(r.eventsRun) end \(r.endReason)")
default:
    print(usage)
    exit(2)
}
