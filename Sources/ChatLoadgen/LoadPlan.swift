/// What a run decides before anyone connects, from the configuration and its seed alone:
/// each user's role, friends and rate phase. Computed once and shared read-only by every
/// thread of a `--threads` run, so that the users, their rooms and their friends are the
/// same whatever the number of threads.
struct LoadPlan: Sendable {
    /// Each user's role, by global index.
    let roles: [SimulatedUser.Role]
    /// Each user's friends (global indices), in direct and mixed mode; empty otherwise.
    let friends: [[Int]]
    /// Each user's offset into its first second, so that `--rate` users do not all send at once.
    let ratePhases: [Double]
    /// The seeded generator where the choices above left it: a run on one thread goes on
    /// drawing from it (as it always has); several threads each take a seed from it.
    let randomness: SplitMix64

    init(configuration: LoadConfiguration) {
        var randomness = SplitMix64(seed: configuration.seed)
        let roles = (0..<configuration.users).map { LoadGenerator.role(of: $0, configuration: configuration) }
        let checked = roles.indices.filter { roles[$0] == .checked }
        friends = (0..<configuration.users).map { index in
            configuration.mode.usesFriends && roles[index] == .checked
                ? LoadGenerator.chooseFriends(of: index, among: checked, count: configuration.friends, randomness: &randomness)
                : []
        }
        ratePhases = (0..<configuration.users).map { _ in Double(randomness.next() % 1000) / 1000 }
        self.roles = roles
        self.randomness = randomness
    }

    /// The checked users of each room (user `i` is in room `i % rooms`): the receivers of its
    /// `say`s. Empty in direct mode.
    func checkedMembers(configuration: LoadConfiguration) -> [Int] {
        guard configuration.mode.usesRooms else { return [] }
        let rooms = max(1, configuration.rooms)
        var members = Array(repeating: 0, count: rooms)
        for (index, role) in roles.enumerated() where role == .checked { members[index % rooms] += 1 }
        return members
    }
}
