// RESP3 and client-side caching against redis-server 7.0.15: HELLO's replies and errors, the
// RESP3 type of each reply, pub/sub pushes mixed with commands on one connection, and CLIENT
// TRACKING's invalidations (pushes in RESP3, `__redis__:invalidate` messages to a RESP2 REDIRECT
// client). The other diff files already run every script of theirs over HELLO 3 too.

import { diffTest, script } from "./_diff.ts";

diffTest("HELLO answers as Redis 7 does", {
  "versions, options and errors": script`
    @noid HELLO
    @noid HELLO 3
    @noid HELLO
    @noid HELLO 2
    HELLO 4
    HELLO 1
    HELLO 0
    HELLO abc
    HELLO 99999999999999999999
    HELLO 3 FOO
    HELLO 3 SETNAME
    HELLO 3 SETNAME "a b"
    HELLO 3 AUTH default
    HELLO 3 AUTH bob pw
    HELLO 3 AUTH bob pw SETNAME x
    @noid HELLO 3 AUTH default anything
    @noid HELLO 3 SETNAME myname
    CLIENT GETNAME
    GET nokey
    @noid HELLO 2 SETNAME other
    CLIENT GETNAME
    GET nokey
    @noid HELLO 3
    RESET
    GET nokey
  `,
});

diffTest(
  "RESP3 reply types answer as Redis 7 does",
  {
    "typed replies": script`
    GET nokey
    MGET nokey other
    SET k v
    SET k v2 GET
    SET n1 v NX GET
    GETEX nokey
    GETDEL nokey
    INCRBYFLOAT f 1.5
    CONFIG GET timeout
    CONFIG GET nosuchparam
    COMMAND INFO get
    COMMAND INFO nosuch
    COMMAND DOCS ping echo
    PUBSUB NUMSUB a b
    PUBSUB CHANNELS
    @type INFO server
    @type CLIENT INFO
    @type CLIENT LIST
    @sorted SCAN 0
    TTL k
    EXISTS k nokey
    @client=1 WATCH k
    @client=0 SET k changed
    @client=1 MULTI
    @client=1 GET k
    @client=1 EXEC
    CLIENT TRACKINGINFO
  `,
  },
  [],
  [],
  { resp: [3] },
);

diffTest(
  "RESP3 pub/sub: pushes mixed with commands",
  {
    "a subscribed connection still runs commands": script`
    SUBSCRIBE ch other
    @push
    PSUBSCRIBE c*
    SET k v
    GET k
    @client=1 PUBLISH ch hello
    @push
    @push
    @client=1 PUBLISH cx hi
    @push
    GET k
    PING
    PING msg
    MULTI
    GET k
    SUBSCRIBE third
    EXEC
    UNSUBSCRIBE ch other
    @push
    UNSUBSCRIBE
    PUNSUBSCRIBE
    PUNSUBSCRIBE
    DBSIZE
  `,
  },
  [],
  [],
  { resp: [3] },
);

diffTest("CLIENT TRACKING's options and errors answer as Redis 7 does", {
  "options": script`
    CLIENT TRACKING
    CLIENT TRACKING maybe
    CLIENT TRACKING on PREFIX a
    CLIENT TRACKING on BCAST OPTIN
    CLIENT TRACKING on OPTIN OPTOUT
    CLIENT TRACKING on REDIRECT 999999
    CLIENT TRACKING on REDIRECT x
    CLIENT TRACKING on REDIRECT
    CLIENT TRACKING on FOO
    CLIENT TRACKING on BCAST PREFIX a PREFIX ab
    CLIENT CACHING yes
    CLIENT GETREDIR
    CLIENT TRACKINGINFO
    CLIENT TRACKING on OPTIN
    CLIENT TRACKING on OPTOUT
    CLIENT TRACKING on BCAST
    CLIENT CACHING no
    CLIENT CACHING maybe
    CLIENT CACHING yes
    CLIENT TRACKINGINFO
    GET k
    CLIENT TRACKINGINFO
    CLIENT TRACKING off
    CLIENT TRACKING on BCAST PREFIX b PREFIX a NOLOOP
    CLIENT TRACKINGINFO
    CLIENT TRACKING on BCAST PREFIX ab
    CLIENT TRACKING on BCAST PREFIX c
    CLIENT TRACKINGINFO
    CLIENT TRACKING on
    CLIENT GETREDIR
    CLIENT TRACKING off
    CLIENT TRACKING off
    CLIENT GETREDIR
    CLIENT TRACKING on OPTOUT
    CLIENT CACHING no
    CLIENT TRACKINGINFO
    RESET
    CLIENT TRACKINGINFO
  `,
});

diffTest("tracking with REDIRECT: invalidations in both protocols", {
  "to a subscribed connection": script`
    @type @save=rid @client=1 CLIENT ID
    @client=1 SUBSCRIBE __redis__:invalidate
    CLIENT TRACKING on REDIRECT $rid
    @type CLIENT GETREDIR
    GET k
    MGET a b
    @client=2 SET k v
    @client=1 @push
    @client=2 MSET a 1 b 2
    @client=1 @push
    @client=1 @push
    SET own 1
    GET own
    SET own 2
    @client=1 @push
    GET k
    FLUSHDB
    @client=1 @push
    @client=2 FLUSHALL
    @client=1 @push
    GET k
    @client=1 QUIT
    @client=2 SET k again
    @type PING
    @type CLIENT TRACKINGINFO
  `,
});

diffTest(
  "tracking in RESP3: invalidation pushes",
  {
    "default mode": script`
    CLIENT TRACKING on
    GET a
    MGET b c
    STRLEN d
    @client=1 SET a 1
    @push
    @client=1 SET a 2
    PING
    @client=1 MSET b 1 c 2
    @push
    @push
    SET e 1
    GET e
    SET e 2
    @push
    EXISTS f g
    @client=1 DEL f
    @client=1 SET g 1
    @push
    @client=1 SET x 1 PX 400
    GET x
    @sleep 900
    @push
    MULTI
    GET m
    SET m 1
    EXEC
    @push
    GET m
    FLUSHALL
    @push
    PING
  `,
    "NOLOOP, OPTIN and OPTOUT": script`
    CLIENT TRACKING on NOLOOP
    GET k
    SET k v
    PING
    @client=1 SET k w
    PING
    CLIENT TRACKING off
    CLIENT TRACKING on OPTIN
    GET a
    @client=1 SET a 1
    PING
    CLIENT CACHING yes
    GET a
    GET b
    @client=1 MSET a 2 b 2
    @push
    PING
    CLIENT CACHING yes
    MULTI
    GET c
    GET d
    EXEC
    @client=1 MSET c 1 d 1
    @push
    @push
    CLIENT TRACKING off
    CLIENT TRACKING on OPTOUT
    GET o
    CLIENT CACHING no
    GET p
    @client=1 MSET o 1 p 1
    @push
    PING
  `,
    "BCAST with prefixes": script`
    CLIENT TRACKING on BCAST PREFIX user: PREFIX obj:
    @client=1 SET user:1 x
    @push
    @client=1 MSET obj:2 a user:3 b other c
    @push
    @push
    SET user:9 mine
    @push
    @client=1 DEL other
    PING
    CLIENT TRACKING off
    CLIENT TRACKING on BCAST NOLOOP
    SET anything 1
    PING
    @client=1 SET anything 2
    @push
    FLUSHDB
    @push
  `,
  },
  [],
  [],
  { resp: [3] },
);
