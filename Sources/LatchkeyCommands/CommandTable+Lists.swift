// Command table rows: lists, blocking pops included. Handlers are in ListCommands*.swift and
// ListBlocking.swift.

extension CommandTable {
    private typealias S = CommandSpec

    nonisolated(unsafe) static let lists: [CommandSpec] = [
        S(
            "lpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list",
            summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
            syntax: "key element...", handler: ListCommands.lpush),
        S(
            "rpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list",
            summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.",
            syntax: "key element...", handler: ListCommands.rpush),
        S(
            "lpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list", since: "2.2.0",
            summary: "Prepends one or more elements to a list only when the list exists.", syntax: "key element...",
            handler: ListCommands.lpushx),
        S(
            "rpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list", since: "2.2.0",
            summary: "Appends an element to a list only when the list exists.", syntax: "key element...",
            handler: ListCommands.rpushx),
        S(
            "lpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "list",
            summary:
                "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
            syntax: "key [count<integer>]", handler: ListCommands.lpop),
        S(
            "rpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "list",
            summary:
                "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
            syntax: "key [count<integer>]", handler: ListCommands.rpop),
        S(
            "llen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "list",
            summary: "Returns the length of a list.", syntax: "key", handler: ListCommands.llen),
        S(
            "lrange", arity: 4, flags: [.readonly], keys: (1, 1, 1), group: "list",
            summary: "Returns a range of elements from a list.", syntax: "key start<integer> stop<integer>",
            handler: ListCommands.lrange),
        S(
            "lindex", arity: 3, flags: [.readonly], keys: (1, 1, 1), group: "list",
            summary: "Returns an element from a list by its index.", syntax: "key index<integer>",
            handler: ListCommands.lindex),
        S(
            "lset", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "list",
            summary: "Sets the value of an element in a list by its index.", syntax: "key index<integer> element",
            handler: ListCommands.lset),
        S(
            "lrem", arity: 4, flags: [.write], keys: (1, 1, 1), group: "list",
            summary: "Removes elements from a list. Deletes the list if the last element was removed.",
            syntax: "key count<integer> element", handler: ListCommands.lrem),
        S(
            "ltrim", arity: 4, flags: [.write], keys: (1, 1, 1), group: "list",
            summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
            syntax: "key start<integer> stop<integer>", handler: ListCommands.ltrim),
        S(
            "linsert", arity: 5, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "list", since: "2.2.0",
            summary: "Inserts an element before or after another element in a list.",
            syntax: "key (where: BEFORE | AFTER) pivot element", handler: ListCommands.linsert),
        S(
            "lpos", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "list", since: "6.0.6",
            summary: "Returns the index of matching elements in a list.",
            syntax: "key element [RANK rank<integer>] [COUNT num-matches<integer>] [MAXLEN len<integer>]",
            handler: ListCommands.lpos),
        S(
            "lmove", arity: 5, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "6.2.0",
            summary:
                "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
            syntax: "source<key> destination<key> (wherefrom: LEFT | RIGHT) (whereto: LEFT | RIGHT)",
            handler: ListCommands.lmove),
        S(
            "rpoplpush", arity: 3, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "1.2.0",
            summary:
                "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
            syntax: "source<key> destination<key>", handler: ListCommands.rpoplpush),
        S(
            "lmpop", arity: -4, flags: [.write], keys: (2, 2, 1), group: "list", since: "7.0.0",
            summary:
                "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
            syntax: "numkeys<integer> key... (where: LEFT | RIGHT) [COUNT count<integer>]", handler: ListCommands.lmpop),
        S(
            "blpop", arity: -3, flags: [.write, .blocking], keys: (1, -2, 1), group: "list", since: "2.0.0",
            summary:
                "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            syntax: "key... timeout<double>", handler: ListCommands.blpop),
        S(
            "brpop", arity: -3, flags: [.write, .blocking], keys: (1, -2, 1), group: "list", since: "2.0.0",
            summary:
                "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            syntax: "key... timeout<double>", handler: ListCommands.brpop),
        S(
            "blmove", arity: 6, flags: [.write, .denyOOM, .blocking], keys: (1, 2, 1), group: "list", since: "6.2.0",
            summary:
                "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
            syntax: "source<key> destination<key> (wherefrom: LEFT | RIGHT) (whereto: LEFT | RIGHT) timeout<double>",
            handler: ListCommands.blmove),
        S(
            "brpoplpush", arity: 4, flags: [.write, .denyOOM, .blocking], keys: (1, 2, 1), group: "list",
            since: "2.2.0",
            summary:
                "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
            syntax: "source<key> destination<key> timeout<double>", handler: ListCommands.brpoplpush),
        S(
            "blmpop", arity: -5, flags: [.write, .blocking], keys: (3, 3, 1), group: "list", since: "7.0.0",
            summary:
                "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            syntax: "timeout<double> numkeys<integer> key... (where: LEFT | RIGHT) [COUNT count<integer>]",
            handler: ListCommands.blmpop),
    ]
}
