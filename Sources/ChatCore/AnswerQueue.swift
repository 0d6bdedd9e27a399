/// What waits on a session while its world answers: the dispatcher's, kept beside the
/// session rather than in it (``Dispatcher/answerQueues``), and only while something waits.
struct AnswerQueue {
    /// Lines handed over while the session awaits an answer (at most what one read or message
    /// of the transport held, since it stops reading), run in order once the answer has come.
    var backlog: [BackloggedLine] = []
    /// What a dialect does after the command that awaits the world, run once it is answered.
    var continuations: [() -> Void] = []
    /// Replies waiting for an earlier `chat`'s answer; nil when none wait.
    var heldReplies: HeldReplies?
    /// A `quit` waits in the backlog until the held replies have gone out.
    var quitWaitsForReplies = false

    var isEmpty: Bool { backlog.isEmpty && continuations.isEmpty && heldReplies == nil && !quitWaitsForReplies }
}

/// A line that came while its session was awaiting the world.
enum BackloggedLine {
    case line([UInt8])
    /// A line over the limit, answered `error,line-too-long` in its turn.
    case tooLong
}
