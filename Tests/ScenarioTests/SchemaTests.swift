import Foundation
import Scenario
import Testing

/// `scenarios/schema.json` must accept exactly the keys the decoder accepts.
@Suite struct SchemaTests {
    let schema: [String: Any]

    init() throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("scenarios/schema.json"))
        schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func keys(of object: [String: Any]) -> Set<String> {
        Set((object["properties"] as? [String: Any] ?? [:]).keys)
    }

    func definition(_ name: String) throws -> [String: Any] {
        let definitions = try #require(schema["definitions"] as? [String: Any])
        return try #require(definitions[name] as? [String: Any], "schema has no definition \(name)")
    }

    @Test func schemaListsExactlyTheDecodersKeys() throws {
        #expect(keys(of: schema) == Set(ScenarioKeys.top))
        #expect(keys(of: try definition("queue")) == Set(ScenarioKeys.queue))
        #expect(keys(of: try definition("producer")) == Set(ScenarioKeys.producer))
        #expect(keys(of: try definition("consumer")) == Set(ScenarioKeys.consumer))
        let consumer = try definition("consumer")["properties"] as? [String: Any]
        #expect(keys(of: try #require(consumer?["scaling"] as? [String: Any])) == Set(ScenarioKeys.scaling))
        #expect(keys(of: try definition("function")) == Set(ScenarioKeys.function))
        #expect(keys(of: try definition("kclConsumer")) == Set(ScenarioKeys.kclConsumer))
        #expect(keys(of: try definition("enhancedFanOutConsumer")) == Set(ScenarioKeys.enhancedFanOutConsumer))
        #expect(keys(of: try definition("streamFunction")) == Set(ScenarioKeys.streamFunction))
        #expect(keys(of: try definition("network")) == Set(ScenarioKeys.network))
        #expect(keys(of: try definition("fault")) == Set(ScenarioKeys.fault))
        #expect(keys(of: try definition("fleetSelection")) == Set(ScenarioKeys.crash))
        #expect(keys(of: try definition("fleetSelection")) == Set(ScenarioKeys.pause))
        let producer = try definition("producer")["properties"] as? [String: Any]
        let schedule = try #require((producer?["schedule"] as? [String: Any])?["items"] as? [String: Any])
        #expect(keys(of: schedule) == Set(ScenarioKeys.scheduleStep))
        let attributes = try #require(producer?["attributes"] as? [String: Any])
        #expect(keys(of: attributes) == Set(ScenarioKeys.attributes))
        let network = try definition("network")["properties"] as? [String: Any]
        #expect(keys(of: try #require(network?["retry"] as? [String: Any])) == Set(ScenarioKeys.retry))
        #expect(keys(of: try #require(producer?["retry"] as? [String: Any])) == Set(ScenarioKeys.retry))
        let queue = try definition("queue")["properties"] as? [String: Any]
        #expect(keys(of: try #require(queue?["redrivePolicy"] as? [String: Any])) == Set(ScenarioKeys.redrivePolicy))
        let operation = try definition("operation")
        #expect(keys(of: operation) == Set(ScenarioKeys.operation))
        let moveTask = try #require((operation["properties"] as? [String: Any])?["startMessageMoveTask"] as? [String: Any])
        #expect(keys(of: moveTask) == Set(ScenarioKeys.moveTask))
        #expect(keys(of: try definition("statement")) == Set(ScenarioKeys.statement))
        #expect(keys(of: try #require((schema["properties"] as? [String: Any])?["objectStore"] as? [String: Any])) == Set(ScenarioKeys.objectStore))
        #expect(keys(of: try #require(producer?["extendedClient"] as? [String: Any])) == Set(ScenarioKeys.extendedClient))
        #expect(keys(of: try definition("topic")) == Set(ScenarioKeys.topic))
        #expect(keys(of: try definition("stream")) == Set(ScenarioKeys.stream))
        #expect(keys(of: try definition("streamProducer")) == Set(ScenarioKeys.streamProducer))
        let streamProperties = try definition("stream")["properties"] as? [String: Any]
        let reshard = (streamProperties?["reshard"] as? [String: Any])?["items"] as? [String: Any]
        #expect(keys(of: try #require(reshard)) == Set(ScenarioKeys.reshard))
        #expect(keys(of: try #require(streamProperties?["hotShardSplit"] as? [String: Any])) == Set(ScenarioKeys.hotShardSplit))
        let streamProducerProperties = try definition("streamProducer")["properties"] as? [String: Any]
        #expect(keys(of: try #require(streamProducerProperties?["partitionKeys"] as? [String: Any])) == Set(ScenarioKeys.partitionKeys))
        let deliveryStream = try definition("deliveryStream")
        #expect(keys(of: deliveryStream) == Set(ScenarioKeys.deliveryStream))
        let deliveryStreamProperties = deliveryStream["properties"] as? [String: Any]
        #expect(keys(of: try #require(deliveryStreamProperties?["transformation"] as? [String: Any])) == Set(ScenarioKeys.transformation))
        let destination = try #require(deliveryStreamProperties?["destination"] as? [String: Any])
        #expect(keys(of: destination) == Set(ScenarioKeys.destination))
        let destinationOutage = ((destination["properties"] as? [String: Any])?["outages"] as? [String: Any])?["items"] as? [String: Any]
        #expect(keys(of: try #require(destinationOutage)) == Set(ScenarioKeys.outage))
        #expect(keys(of: try definition("analytics")) == Set(ScenarioKeys.analytics))
        let subscription = try definition("subscription")
        #expect(keys(of: subscription) == Set(ScenarioKeys.subscription))
        let subscriptionProperties = subscription["properties"] as? [String: Any]
        #expect(keys(of: try #require(subscriptionProperties?["deliveryPolicy"] as? [String: Any])) == Set(ScenarioKeys.deliveryPolicy))
        let outage = (subscriptionProperties?["outages"] as? [String: Any])?["items"] as? [String: Any]
        #expect(keys(of: try #require(outage)) == Set(ScenarioKeys.outage))
        for key in ["messageAttributes", "messageBody"] {
            let generator = (producer?[key] as? [String: Any])?["additionalProperties"] as? [String: Any]
            #expect(keys(of: try #require(generator, "producer.\(key)")) == Set(ScenarioKeys.messageAttribute))
        }
    }

    @Test func everyObjectInTheSchemaRejectsUnknownKeysOrChecksEveryValue() throws {
        func visit(_ value: Any, path: String) {
            guard let object = value as? [String: Any] else {
                if let array = value as? [Any] { for (i, v) in array.enumerated() { visit(v, path: "\(path)[\(i)]") } }
                return
            }
            // A record lists its keys and refuses others; a map (attribute names to generators,
            // values to weights) gives a schema every value must meet.
            if object["type"] as? String == "object" {
                #expect(object["additionalProperties"] as? Bool == false || object["additionalProperties"] is [String: Any],
                        "\(path) allows unknown keys")
            }
            for (key, child) in object { visit(child, path: "\(path)/\(key)") }
        }
        visit(schema, path: "#")
    }
}
