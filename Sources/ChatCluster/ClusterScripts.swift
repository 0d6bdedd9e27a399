/// The Lua scripts that change the cluster's state in Redis, each one atomic step: no
/// read-then-write race between nodes. Every script takes the key prefix (`--cluster`
/// and a colon) as ARGV[1], the calling node's id as ARGV[2], and no KEYS, so it suits one
/// Redis (not Redis Cluster).
///
/// What Redis keeps, under the prefix P:
/// - `P users`: hash, folded name -> "<node> <name>"
/// - `P node:<id>:users`: set of the folded names a node holds
/// - `P user:<folded>:rooms`: set of the folded rooms a user is in
/// - `P rooms`: hash, folded room -> the room as its creator spelled it
/// - `P room:<folded>:members`: hash, folded name -> name
/// - `P room:<folded>:log`: list of the room's last messages, "<millis> <from> <text>"
/// - `P room:<folded>:seq`: the number of messages ever said in the room (its last sequence
///   number: the id of its last message)
/// - `P room:<folded>:epoch`: the room record's epoch, set by the join that finds none
/// - `P room:<folded>:name`: a kept room's name as its creator spelled it, once its last
///   member left (with `--store sqlite`: its log, last id and epoch stay, and a later join
///   goes on from them)
/// - `P nodes`: sorted set, node id -> its last heartbeat (Redis's clock, milliseconds)
/// Channels: `P room:<folded>` (says, joins, leaves), `P node:<id>` (direct chats), `P notices`
/// (nick and quit, which name several rooms).
enum ClusterScripts {
    /// Helpers every script starts with.
    private static let prelude = #"""
    local P = ARGV[1]
    local function owner_node(held) return string.match(held, '^(%S+)') end
    -- A room's name as spelled: of a room with members, or of a kept room without.
    local function room_name(rf)
      return redis.call('HGET', P .. 'rooms', rf) or redis.call('GET', P .. 'room:' .. rf .. ':name')
    end
    -- Takes uf out of room rf; when it empties (true) the room goes, and its record with it
    -- unless KEEP holds and something was said there.
    local function drop_room_member(rf, uf)
      local members = P .. 'room:' .. rf .. ':members'
      redis.call('HDEL', members, uf)
      if redis.call('HLEN', members) == 0 then
        local spelled = redis.call('HGET', P .. 'rooms', rf)
        redis.call('DEL', members)
        redis.call('HDEL', P .. 'rooms', rf)
        if KEEP and spelled and tonumber(redis.call('GET', P .. 'room:' .. rf .. ':seq') or '0') > 0 then
          redis.call('SET', P .. 'room:' .. rf .. ':name', spelled)
        else
          redis.call('DEL', P .. 'room:' .. rf .. ':log', P .. 'room:' .. rf .. ':seq', P .. 'room:' .. rf .. ':epoch',
                     P .. 'room:' .. rf .. ':name')
        end
        return true
      end
      return false
    end
    -- Frees the name uf that node holds, with its memberships, and tells its rooms (quit
    -- notice). Nothing but the node's own record when another node holds the name now.
    local function drop_user(node, uf, voluntary, text)
      redis.call('SREM', P .. 'node:' .. node .. ':users', uf)
      local held = redis.call('HGET', P .. 'users', uf)
      if not held or owner_node(held) ~= node then return end
      local name = string.sub(held, #node + 2)
      local rooms = redis.call('SMEMBERS', P .. 'user:' .. uf .. ':rooms')
      for _, rf in ipairs(rooms) do drop_room_member(rf, uf) end
      redis.call('DEL', P .. 'user:' .. uf .. ':rooms')
      redis.call('HDEL', P .. 'users', uf)
      if #rooms > 0 then
        redis.call('PUBLISH', P .. 'notices',
          'Q ' .. node .. ' ' .. name .. ' ' .. voluntary .. ' ' .. table.concat(rooms, ',') .. ' ' .. text)
      end
    end
    -- Every user of a node that is gone.
    local function reap(node)
      for _, uf in ipairs(redis.call('SMEMBERS', P .. 'node:' .. node .. ':users')) do
        drop_user(node, uf, 'x', '-')
      end
      redis.call('DEL', P .. 'node:' .. node .. ':users')
      redis.call('ZREM', P .. 'nodes', node)
    end

    """#

    enum Script: Int, CaseIterable {
        case register, unregister, rename, chat, join, say, leave, who, tail, record, heartbeat, leaveCluster, repair
    }

    /// The script's full text; `keepsRecords`: rooms' records outlive their last member.
    static func source(_ script: Script, keepsRecords: Bool) -> String {
        "local KEEP = \(keepsRecords)\n" + prelude + body(script)
    }

    private static func body(_ script: Script) -> String {
        switch script {
        // ARGV: P, node, folded name, name -> 1 claimed, 0 taken
        case .register: #"""
            if redis.call('HSETNX', P .. 'users', ARGV[3], ARGV[2] .. ' ' .. ARGV[4]) == 0 then return 0 end
            redis.call('SADD', P .. 'node:' .. ARGV[2] .. ':users', ARGV[3])
            return 1
            """#
        // ARGV: P, node, folded name, x (closed), v (quit) or s (closed as the process stops, which
        // only loops of one process send: no notice), "-" or "+text"
        case .unregister: #"""
            drop_user(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
            return 1
            """#
        // ARGV: P, node, old folded, new folded, new name -> 1 renamed, 0 taken, -1 not this node's
        case .rename: #"""
            local node, oldf, newf, new = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
            if newf ~= oldf and redis.call('HEXISTS', P .. 'users', newf) == 1 then return 0 end
            local held = redis.call('HGET', P .. 'users', oldf)
            if not held or owner_node(held) ~= node then return -1 end
            local old = string.sub(held, #node + 2)
            redis.call('HDEL', P .. 'users', oldf)
            redis.call('HSET', P .. 'users', newf, node .. ' ' .. new)
            redis.call('SREM', P .. 'node:' .. node .. ':users', oldf)
            redis.call('SADD', P .. 'node:' .. node .. ':users', newf)
            local rooms = redis.call('SMEMBERS', P .. 'user:' .. oldf .. ':rooms')
            if oldf ~= newf and #rooms > 0 then
              redis.call('RENAME', P .. 'user:' .. oldf .. ':rooms', P .. 'user:' .. newf .. ':rooms')
            end
            for _, rf in ipairs(rooms) do
              redis.call('HDEL', P .. 'room:' .. rf .. ':members', oldf)
              redis.call('HSET', P .. 'room:' .. rf .. ':members', newf, new)
            end
            if #rooms > 0 then
              redis.call('PUBLISH', P .. 'notices', 'N ' .. node .. ' ' .. old .. ' ' .. new .. ' ' .. table.concat(rooms, ','))
            end
            return 1
            """#
        // ARGV: P, node, then per message: recipient folded, sender, "-" or "+text"
        //   -> per message 1 (sent to its node) or 0 (nobody has the name); one publish per node
        case .chat: #"""
            local results, batches = {}, {}
            for i = 3, #ARGV - 2, 3 do
              local held = redis.call('HGET', P .. 'users', ARGV[i])
              if held then
                local node = owner_node(held)
                local batch = batches[node]
                if not batch then
                  batch = {}
                  batches[node] = batch
                end
                batch[#batch + 1] = ARGV[i] .. ' ' .. ARGV[i + 1] .. ' ' .. ARGV[i + 2]
                results[#results + 1] = 1
              else
                results[#results + 1] = 0
              end
            end
            for node, batch in pairs(batches) do
              redis.call('PUBLISH', P .. 'node:' .. node, 'C\n' .. table.concat(batch, '\n'))
            end
            return results
            """#
        // ARGV: P, node, room folded, room, user folded, user, max rooms (0: none), history, epoch,
        // a resume's epoch ("" for none) and id
        //   -> {0} rooms full, or {1, room as spelled, members, last sequence number, epoch, history...}
        // A room with no epoch (new, or one a repair wrote back after Redis lost it) takes ARGV[9].
        // A resume in the record's epoch gets no more history than comes after its id.
        case .join: #"""
            local rf, uf = ARGV[3], ARGV[5]
            local spelled = redis.call('HGET', P .. 'rooms', rf)
            if not spelled then
              local max = tonumber(ARGV[7])
              if max > 0 and redis.call('HLEN', P .. 'rooms') >= max then return {0} end
              spelled = redis.call('GET', P .. 'room:' .. rf .. ':name') or ARGV[4]
              redis.call('HSET', P .. 'rooms', rf, spelled)
            end
            redis.call('HSET', P .. 'room:' .. rf .. ':members', uf, ARGV[6])
            redis.call('SADD', P .. 'user:' .. uf .. ':rooms', rf)
            local seq = tonumber(redis.call('GET', P .. 'room:' .. rf .. ':seq') or '0')
            local keep = tonumber(ARGV[8])
            redis.call('SETNX', P .. 'room:' .. rf .. ':epoch', ARGV[9])
            local epoch = redis.call('GET', P .. 'room:' .. rf .. ':epoch')
            if ARGV[10] == epoch then keep = math.max(0, math.min(keep, seq - tonumber(ARGV[11]))) end
            redis.call('PUBLISH', P .. 'room:' .. rf, 'J ' .. ARGV[6])
            local reply = {1, spelled, redis.call('HLEN', P .. 'room:' .. rf .. ':members'), seq, epoch}
            if keep > 0 then
              for _, entry in ipairs(redis.call('LRANGE', P .. 'room:' .. rf .. ':log', -keep, -1)) do
                reply[#reply + 1] = entry
              end
            end
            return reply
            """#
        // ARGV: P, node, room folded, entries kept, entries joined by LF
        //   -> the last sequence number, or -1 when the room is not there (Redis lost it)
        case .say: #"""
            local rf = ARGV[3]
            if redis.call('HEXISTS', P .. 'rooms', rf) == 0 then return -1 end
            local log = P .. 'room:' .. rf .. ':log'
            local n, chunk = 0, {}
            for entry in string.gmatch(ARGV[5], '[^\n]+') do
              chunk[#chunk + 1] = entry
              if #chunk == 1000 then
                redis.call('RPUSH', log, unpack(chunk))
                n, chunk = n + #chunk, {}
              end
            end
            if #chunk > 0 then
              redis.call('RPUSH', log, unpack(chunk))
              n = n + #chunk
            end
            redis.call('LTRIM', log, -tonumber(ARGV[4]), -1)
            local seq = redis.call('INCRBY', P .. 'room:' .. rf .. ':seq', n)
            redis.call('PUBLISH', P .. 'room:' .. rf, 'S ' .. (seq - n + 1) .. '\n' .. ARGV[5])
            return seq
            """#
        // ARGV: P, node, room folded, user folded, user -> 1
        case .leave: #"""
            redis.call('SREM', P .. 'user:' .. ARGV[4] .. ':rooms', ARGV[3])
            if redis.call('HEXISTS', P .. 'room:' .. ARGV[3] .. ':members', ARGV[4]) == 0 then return 0 end
            if not drop_room_member(ARGV[3], ARGV[4]) then
              redis.call('PUBLISH', P .. 'room:' .. ARGV[3], 'L ' .. ARGV[5])
            end
            return 1
            """#
        // ARGV: P, node, room folded -> {} no such room, or {room as spelled, members...}
        // (a kept room has none)
        case .who: #"""
            local spelled = room_name(ARGV[3])
            if not spelled then return {} end
            local reply = {spelled}
            for _, name in ipairs(redis.call('HVALS', P .. 'room:' .. ARGV[3] .. ':members')) do
              reply[#reply + 1] = name
            end
            return reply
            """#
        // ARGV: P, node, room folded, how many -> {last sequence number, the log's latest entries...}
        case .tail: #"""
            local reply = {tonumber(redis.call('GET', P .. 'room:' .. ARGV[3] .. ':seq') or '0')}
            for _, entry in ipairs(redis.call('LRANGE', P .. 'room:' .. ARGV[3] .. ':log', -tonumber(ARGV[4]), -1)) do
              reply[#reply + 1] = entry
            end
            return reply
            """#
        // ARGV: P, node, room folded, how many, l (the latest), b (the nearest below an id) or
        // a (the nearest above it), the id
        //   -> {} (no such room, or nothing said there), or {room as spelled, last sequence number,
        //      epoch, the first entry's id, entries...}
        // The log's entries have consecutive ids ending at the last sequence number.
        case .record: #"""
            local rf = ARGV[3]
            local spelled = room_name(rf)
            local seq = tonumber(redis.call('GET', P .. 'room:' .. rf .. ':seq') or '0')
            if not spelled or seq == 0 then return {} end
            local log = P .. 'room:' .. rf .. ':log'
            local len = redis.call('LLEN', log)
            local n, kind, id = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
            local base = seq - len + 1
            local first, last = len - n, len - 1
            if kind == 'b' then
              last = math.min(len - 1, id - 1 - base)
              first = last - n + 1
            elseif kind == 'a' then
              first = math.max(0, id + 1 - base)
              last = math.min(len - 1, first + n - 1)
            end
            first = math.max(0, first)
            local reply = {spelled, seq, redis.call('GET', P .. 'room:' .. rf .. ':epoch') or '0', base + first}
            if last >= first then
              for _, entry in ipairs(redis.call('LRANGE', log, first, last)) do reply[#reply + 1] = entry end
            end
            return reply
            """#
        // ARGV: P, node, milliseconds after which a silent node is gone
        //   -> {1 if Redis knew this node, nodes alive, nodes reaped now}
        // A node reaps others only when its own last beat is recent: after a pause of Redis
        // (or of this node), every beat is old, and the first node back must not reap the rest.
        case .heartbeat: #"""
            local node, dead = ARGV[2], tonumber(ARGV[3])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local last = redis.call('ZSCORE', P .. 'nodes', node)
            redis.call('ZADD', P .. 'nodes', now, node)
            local reaped = 0
            if last and now - tonumber(last) < dead then
              for _, other in ipairs(redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', now - dead)) do
                reap(other)
                reaped = reaped + 1
              end
            end
            return {last and 1 or 0, redis.call('ZCARD', P .. 'nodes'), reaped}
            """#
        // ARGV: P, node -> 1: the node's users and memberships go, their rooms hear quit
        case .leaveCluster: #"""
            reap(ARGV[2])
            return 1
            """#
        // ARGV: P, node, then one per local user: "<folded> <name> <room folded> <room> ..."
        //   -> the folded names another node holds now (those users lose them)
        // Makes Redis hold exactly this node's view: users and memberships it no longer has
        // go (with quit and leave notices), those it has are written back.
        case .repair: #"""
            local node = ARGV[2]
            local mine = {}
            for i = 3, #ARGV do
              local words = {}
              for word in string.gmatch(ARGV[i], '%S+') do words[#words + 1] = word end
              mine[words[1]] = words
            end
            for _, uf in ipairs(redis.call('SMEMBERS', P .. 'node:' .. node .. ':users')) do
              if not mine[uf] then drop_user(node, uf, 'x', '-') end
            end
            local lost = {}
            for uf, words in pairs(mine) do
              local held = redis.call('HGET', P .. 'users', uf)
              if held and owner_node(held) ~= node then
                lost[#lost + 1] = uf
              else
                redis.call('HSET', P .. 'users', uf, node .. ' ' .. words[2])
                redis.call('SADD', P .. 'node:' .. node .. ':users', uf)
                local rooms = {}
                for j = 3, #words - 1, 2 do rooms[words[j]] = words[j + 1] end
                for _, rf in ipairs(redis.call('SMEMBERS', P .. 'user:' .. uf .. ':rooms')) do
                  if not rooms[rf] then
                    redis.call('SREM', P .. 'user:' .. uf .. ':rooms', rf)
                    if not drop_room_member(rf, uf) then redis.call('PUBLISH', P .. 'room:' .. rf, 'L ' .. words[2]) end
                  end
                end
                for rf, spelled in pairs(rooms) do
                  redis.call('HSETNX', P .. 'rooms', rf, spelled)
                  redis.call('HSET', P .. 'room:' .. rf .. ':members', uf, words[2])
                  redis.call('SADD', P .. 'user:' .. uf .. ':rooms', rf)
                end
              end
            end
            return lost
            """#
        }
    }
}
