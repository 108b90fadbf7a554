// Blocking XREAD and XREADGROUP against redis-server, byte for byte, with several raw
// connections: a blocked client's reply is read after other clients wrote (`@nowait` then
// `@reply`). The short sleeps only let a command sent on one connection arrive before the next
// connection's.

import { diffTest, script } from "./_diff.ts";

diffTest("blocking stream reads: differential", {
  "XREAD BLOCK woken by XADD, each reader from its own id": script`
    XADD s 1-1 a 1
    @client=1 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    @client=2 @nowait XREAD BLOCK 0 COUNT 5 STREAMS s 1-1
    @sleep 30
    @client=3 @nowait XREAD BLOCK 0 STREAMS nokey other s $ $ 5-0
    @sleep 30
    XADD s 2-1 b 2
    @client=1 @reply
    @client=2 @reply
    XADD s 5-1 c 3
    @client=3 @reply
    @client=1 PING
  `,
  "XREAD BLOCK on several keys, woken by the second": script`
    @client=1 @nowait XREAD BLOCK 0 STREAMS a b $ $
    @sleep 30
    XADD b 1-1 x 1
    @client=1 @reply
    XADD a 1-1 y 1
    XREAD STREAMS a b 0 0
  `,
  "timeouts and errors": script`
    XREAD BLOCK 50 STREAMS s $
    XREAD BLOCK 20 STREAMS s 0
    XADD s 1-1 a 1
    XREAD BLOCK 20 STREAMS s $
    XGROUP CREATE s g $
    XREADGROUP GROUP g c BLOCK 20 STREAMS s >
    XREAD BLOCK -1 STREAMS s $
    XREAD BLOCK 1.5 STREAMS s $
    XINFO CONSUMERS s g
  `,
  "XREADGROUP between consumers: each entry to one": script`
    XADD s 1-1 a 1
    XGROUP CREATE s g $
    @client=1 @nowait XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
    @sleep 30
    @client=2 @nowait XREADGROUP GROUP g bob BLOCK 0 STREAMS s >
    @sleep 30
    XADD s 2-1 b 2
    @client=1 @reply
    XADD s 3-1 c 3
    @client=2 @reply
    XPENDING s g
    XINFO GROUPS s
    @client=1 @nowait XREADGROUP GROUP g alice BLOCK 0 COUNT 1 NOACK STREAMS s >
    @sleep 30
    XADD s 4-1 d 4
    XADD s 5-1 e 5
    @client=1 @reply
    XPENDING s g
    XINFO GROUPS s
  `,
  "a destroyed group or a deleted stream wakes its readers": script`
    XGROUP CREATE s g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
    @sleep 30
    XGROUP DESTROY s g
    @client=1 @reply
    XGROUP CREATE s g $
    @client=1 @nowait XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
    @sleep 30
    DEL s
    XADD s 1-1 a 1
    @client=1 @reply
    @client=2 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    DEL s
    SET s v
    @client=3 PING
    DEL s
    XADD s 2-1 b 2
    @client=2 @reply
  `,
  "a pipeline waits behind a blocked read": script`
    @client=1 @nowait XREAD BLOCK 0 STREAMS q $
    @client=1 @nowait ECHO after
    @sleep 30
    XADD q 1-1 v 1
    @client=1 @reply
    @client=1 @reply
  `,
  "inside MULTI": script`
    XADD s 1-1 a 1
    XGROUP CREATE s g $
    MULTI
    XREAD BLOCK 0 STREAMS s $
    XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    XADD s 2-1 b 2
    XREAD BLOCK 0 STREAMS s 1-1
    EXEC
    @client=1 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    MULTI
    XADD s 3-1 c 3
    XADD s 4-1 d 4
    EXEC
    @client=1 @reply
  `,
  "CLIENT UNBLOCK": script`
    @client=1 @type @save=id CLIENT ID
    @client=1 @nowait XREAD BLOCK 0 STREAMS s $
    @sleep 30
    CLIENT UNBLOCK $id
    @client=1 @reply
    XGROUP CREATE s g $ MKSTREAM
    @client=1 @nowait XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    @sleep 30
    CLIENT UNBLOCK $id ERROR
    @client=1 @reply
    INFO nosuchsection
  `,
});
