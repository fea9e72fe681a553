/// Suggestions for misspelt names: "did you mean 'lognormal'?".
public enum Spelling {
    /// The candidate nearest to `word` (case-insensitively) by edit distance, when it is close
    /// enough to be a plausible typo: at most 2 edits, or a third of the candidate's length for
    /// long names, or `word` is a prefix of it of at least 3 characters. Ties go to the earlier
    /// candidate, so the answer does not depend on anything but the order given.
    public static func nearest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let target = candidate.lowercased()
            let distance = editDistance(lowered, target)
            let close = distance <= max(2, target.count / 3) || (lowered.count >= 3 && target.hasPrefix(lowered))
            guard close else { continue }
            if best == nil || distance < best!.distance {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// Levenshtein distance over characters (insertions, deletions and substitutions cost 1).
    ///
    /// - Complexity: O(|a|·|b|) time, O(|b|) space.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let left = Array(a)
        let right = Array(b)
        guard !left.isEmpty else { return right.count }
        guard !right.isEmpty else { return left.count }
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            current[0] = i
            for j in 1...right.count {
                let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }
}
