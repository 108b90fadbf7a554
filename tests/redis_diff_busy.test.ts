// A script that runs past busy-reply-threshold, on a real redis-server and on tokserver redis,
// byte for byte (tests/_diff.ts): other clients get BUSY (MULTI and SCRIPT KILL still run),
// SCRIPT KILL stops a script that wrote nothing and the script's client gets Redis's error, a
// script that wrote is UNKILLABLE and runs to its end, FUNCTION KILL names the other kind, and
// SHUTDOWN without NOSAVE is refused meanwhile.

import { diffTest, script } from "./_diff.ts";

/** A script that writes, then runs for about `ms` by the server's TIME. */
const WRITES_THEN_SPINS = (ms: number) =>
  `"redis.call('set', 'w', 1) local s = redis.call('time') ` +
  `local start = tonumber(s[1]) * 1000000 + tonumber(s[2]) while true do ` +
  `local t = redis.call('time') ` +
  `if tonumber(t[1]) * 1000000 + tonumber(t[2]) - start > ${ms * 1000} then break end end ` +
  `return 'done'"`;

diffTest(
  "a long script: BUSY, SCRIPT KILL and UNKILLABLE as in Redis 7",
  {
    "a script past the threshold": script`
    CONFIG SET busy-reply-threshold 100
    CONFIG GET lua-time-limit
    @client=1 @nowait EVAL "local i = 0 while true do i = i + 1 end" 0
    @sleep 400
    PING
    GET x
    SHUTDOWN
    MULTI
    DISCARD
    FUNCTION KILL
    SCRIPT KILL
    @client=1 @reply
    PING
    SCRIPT KILL
    @client=1 @nowait EVAL ${WRITES_THEN_SPINS(900)} 0
    @sleep 400
    SCRIPT KILL
    FUNCTION KILL
    SET x 1
    @client=1 @reply
    GET w
    SCRIPT KILL
    CONFIG SET busy-reply-threshold 5000
  `,
    "a function past the threshold": script`
    CONFIG SET busy-reply-threshold 100
    FUNCTION FLUSH
    FUNCTION LOAD "#!lua name=spin\nredis.register_function('spin', function() local i = 0 while true do i = i + 1 end end)"
    @client=1 @nowait FCALL spin 0
    @sleep 400
    PING
    SCRIPT KILL
    FUNCTION KILL
    @client=1 @reply
    PING
    FUNCTION FLUSH
    CONFIG SET busy-reply-threshold 5000
  `,
  },
  [],
  [],
  { resp: [2] },
);
