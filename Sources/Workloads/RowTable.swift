/// Values an actor keeps while it waits for a timer, in rows whose index is the timer's payload;
/// freed rows are reused, so the table grows only to the most values held at once.
struct RowTable<Element> {
    private var rows: [Element?] = []
    private var freeRows: [Int] = []

    /// Stores a value and returns its row.
    mutating func insert(_ value: Element) -> Int {
        if let row = freeRows.popLast() {
            rows[row] = value
            return row
        }
        rows.append(value)
        return rows.count - 1
    }

    /// Takes a value out and frees its row.
    mutating func remove(_ row: Int) -> Element {
        let value = rows[row]!
        rows[row] = nil
        freeRows.append(row)
        return value
    }

    subscript(row: Int) -> Element {
        get { rows[row]! }
        set { rows[row] = newValue }
    }
}
