// Blocking list pops against redis-server, byte for byte: several raw connections, where a
// blocked client's reply is read after other clients pushed (`@nowait` then `@reply`). The short
// sleeps only let a command sent on one connection arrive before the next connection's.

import { diffTest, script } from "./_diff.ts";

diffTest("blocking pops: differential", {
  "served in blocking order, keys in argument order": script`
    @client=1 @nowait BLPOP a b 0
    @sleep 30
    @client=2 @nowait BRPOP b a 0
    @sleep 30
    @client=3 @nowait BLPOP b 0
    @sleep 30
    RPUSH b x y z
    @client=1 @reply
    @client=2 @reply
    @client=3 @reply
    EXISTS b
    RPUSH a 1 2
    BLPOP b a 0
    BRPOP a 0
    @client=1 PING
  `,
  "timeouts and argument errors": script`
    BLPOP q 0.05
    BRPOP q 0.01
    BLMOVE q d LEFT RIGHT 0.02
    BRPOPLPUSH q d 0.02
    BLMPOP 0.02 2 q r LEFT
    BLPOP q -1
    BLPOP q abc
    BLPOP q 1x
    BLPOP q ""
    BLMPOP -1 1 q LEFT
    BLMPOP 0 0 q LEFT
    BLMOVE q d UP RIGHT -1
    BLMOVE q d LEFT RIGHT -1
    SET s v
    BLPOP s 0
    BLPOP q s 0
    RPUSH q e
    BLPOP q s 0
  `,
  "a pipeline waits behind a blocked command": script`
    @client=1 @nowait BLPOP q 0
    @client=1 @nowait ECHO after
    @sleep 30
    LPUSH q v
    @client=1 @reply
    @client=1 @reply
  `,
  "inside MULTI": script`
    MULTI
    BLPOP q 0
    BLMOVE q d LEFT LEFT 0
    BLMPOP 0 1 q LEFT
    RPUSH q a b
    BLPOP q 0
    EXEC
    @client=1 @nowait BLPOP w 0
    @sleep 30
    MULTI
    RPUSH w 1
    LLEN w
    EXEC
    @client=1 @reply
    LLEN w
  `,
  "CLIENT UNBLOCK": script`
    @client=1 @type @save=id CLIENT ID
    @client=1 @nowait BLPOP q 0
    @sleep 30
    CLIENT UNBLOCK $id
    @client=1 @reply
    CLIENT UNBLOCK $id
    @client=1 @nowait BRPOPLPUSH q d 0
    @sleep 30
    CLIENT UNBLOCK $id FOO
    CLIENT UNBLOCK $id ERROR
    @client=1 @reply
    CLIENT UNBLOCK x
    CLIENT UNBLOCK 999999
    @client=1 PING
  `,
  "BLMOVE to the same list and onwards": script`
    @client=1 @nowait BLMOVE q q RIGHT LEFT 0
    @sleep 30
    @client=2 @nowait BLMOVE d e LEFT LEFT 0
    @sleep 30
    @client=3 @nowait BRPOPLPUSH q d 0
    @sleep 30
    RPUSH q a b
    @client=1 @reply
    @client=3 @reply
    @client=2 @reply
    LRANGE q 0 -1
    LRANGE d 0 -1
    LRANGE e 0 -1
  `,
  "BLMPOP COUNT": script`
    @client=1 @nowait BLMPOP 0 2 a b RIGHT COUNT 2
    @sleep 30
    @client=2 @nowait BLMPOP 0 1 b LEFT COUNT 10
    @sleep 30
    RPUSH b 1 2 3
    @client=1 @reply
    @client=2 @reply
    RPUSH a 1 2 3
    BLMPOP 0 2 b a LEFT COUNT 5
  `,
});
