import MessagingEngine
import Stochastic

/// A queue's best-effort knobs draw from a named stream like every other random choice.
extension RandomStream: EngineRandomness {}
