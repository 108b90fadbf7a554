// Clients blocked in XREAD and XREADGROUP while the key they wait on is flushed, swapped, moved,
// renamed, deleted or given another type, against redis-server 7.0.15 byte for byte: which ones
// wake (with which error) and which keep waiting, with several raw connections (`@nowait` then
// `@reply`; the short sleeps let a command on one connection arrive before the next one's).

import { diffTest, script } from "./_diff.ts";

diffTest("blocked stream reads and keyspace changes: differential", {
  "FLUSHALL and FLUSHDB": script`
    XGROUP CREATE s g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    FLUSHALL
    @client=3 PING
    XGROUP CREATE s g $ MKSTREAM
    XADD s 1-1 a 1
    @client=1 @reply
    @client=2 @reply
    XGROUP CREATE t g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS t >
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 STREAMS t $
    @sleep 30
    FLUSHDB
    @client=3 PING
    XADD t 2-1 b 2
    @client=1 @reply
    @client=2 @reply
    XPENDING t g
  `,
  "SWAPDB": script`
    XGROUP CREATE s g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 STREAMS s 0-1
    @sleep 30
    SELECT 1
    XADD s 5-1 x 1
    XGROUP CREATE s g 0
    SWAPDB 0 1
    @client=1 @reply
    @client=2 @reply
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    SWAPDB 0 1
    @client=3 PING
    SELECT 0
    XADD s 6-1 y 2
    @client=1 @reply
    @client=2 @reply
    XGROUP CREATE u g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS u >
    @sleep 30
    SELECT 1
    XADD u 1-1 a 1
    SWAPDB 0 1
    @client=1 @reply
    SELECT 0
    XGROUP CREATE w g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS w >
    @sleep 30
    SELECT 1
    SET w str
    SWAPDB 0 1
    @client=1 @reply
    SELECT 0
    XGROUP CREATE n g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS n >
    @sleep 30
    SELECT 1
    XADD n 1-1 a 1
    SWAPDB 1 0
    @client=1 @reply
    FLUSHALL ASYNC
    XGROUP CREATE f g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS f >
    @sleep 30
    FLUSHALL ASYNC
    @client=1 @reply
  `,
  "MOVE": script`
    XGROUP CREATE s g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    MOVE s 1
    @client=3 PING
    XGROUP CREATE s g $ MKSTREAM
    XADD s 1-1 a 1
    @client=1 @reply
    @client=2 @reply
    SELECT 1
    XGROUP CREATE m g 0 MKSTREAM
    XADD m 3-1 a 1
    SELECT 0
    XGROUP CREATE m g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS m >
    @sleep 30
    DEL m
    SELECT 1
    MOVE m 0
    @client=1 @reply
  `,
  "RENAME": script`
    XGROUP CREATE s g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    RENAME s t
    @client=1 @reply
    @client=3 PING
    XADD s 1-1 a 1
    @client=2 @reply
    XGROUP CREATE a g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS a >
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 STREAMS a $
    @sleep 30
    XADD b 9-1 x 1
    XGROUP CREATE b g 0
    RENAME b a
    @client=1 @reply
    @client=2 @reply
    XGROUP CREATE c g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS c >
    @sleep 30
    XADD d 9-1 x 1
    RENAME d c
    @client=1 @reply
  `,
  "DEL, and another type at the key": script`
    XGROUP CREATE s g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    @sleep 30
    SET s v
    @client=1 @reply
    DEL s
    @client=2 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    SET s v
    LPUSH l x
    @client=3 PING
    DEL s
    XADD s 1-1 a 1
    @client=2 @reply
    XGROUP CREATE t g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS t >
    @sleep 30
    MULTI
    DEL t
    LPUSH t x
    EXEC
    @client=1 @reply
    XGROUP CREATE u g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS u >
    @sleep 30
    MULTI
    DEL u
    XGROUP CREATE u g $ MKSTREAM
    XADD u 1-1 a 1
    EXEC
    @client=1 @reply
    XGROUP CREATE v g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS v >
    @sleep 30
    EXPIRE v 0
    @client=1 @reply
    XGROUP CREATE w g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS w >
    @sleep 30
    UNLINK w
    @client=1 @reply
  `,
});
