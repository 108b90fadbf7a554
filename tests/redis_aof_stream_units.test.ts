// What a group read or a claim writes to the append-only file, byte for byte beside redis-server
// 7.0.15's incremental file: one propagated command alone, several (an XCLAIM per entry, XGROUP
// CREATECONSUMER + SETID after a NOACK read) wrapped in MULTI ... EXEC, a blocked read served by
// an XADD as its own unit after the XADD, and nothing wrapped twice inside EXEC. Delivery times
// (XCLAIM's TIME argument) are the only bytes masked.

import { script, show } from "./_diff.ts";
import { scriptAofFiles } from "./_aof_pair.ts";
import { assertEquals, which } from "./_util.ts";

const dec = new TextDecoder();

/** The file as text with XCLAIM's TIME values (clock readings) masked. */
function masked(file: Uint8Array): string {
  return show(file, 1e6).replace(/TIME\\r\\n\$\d+\\r\\n\d+/g, "TIME\\r\\n$?\\r\\n?");
}

Deno.test({
  name: "stream group reads and claims log MULTI ... EXEC around several commands, as Redis's AOF",
  ignore: which("redis-server") === undefined,
  async fn() {
    const files = await scriptAofFiles(
      script`
          XADD s 1-1 a 1
          XADD s 2-1 b 2
          XGROUP CREATE s g 0
          XREADGROUP GROUP g c1 COUNT 1 STREAMS s >
          XREADGROUP GROUP g c1 COUNT 10 STREAMS s >
          XREADGROUP GROUP g c2 NOACK STREAMS s 0
          XADD s 3-1 c 3
          XREADGROUP GROUP g c3 NOACK STREAMS s >
          XADD s 4-1 d 4
          XREADGROUP GROUP g c3 NOACK STREAMS s >
          XREADGROUP GROUP g c3 STREAMS s >
          XDEL s 1-1
          XREADGROUP GROUP g c1 STREAMS s 0
          XCLAIM s g c9 0 1-1 2-1
          XAUTOCLAIM s g c8 0 0
          XCLAIM s g c8 0 2-1 LASTID 9-0
          XCLAIM s g c8 0 2-1 JUSTID
          XADD t 1-1 x 1
          XADD t 2-1 y 2
          XGROUP CREATE t g 0
          XREADGROUP GROUP g c1 STREAMS s t > >
          XADD s 10-1 e 5
          XADD t 10-1 z 3
          MULTI
          XREADGROUP GROUP g c1 STREAMS s t > >
          SET k v
          EXEC
          XGROUP CREATE b g $ MKSTREAM
          XGROUP CREATE b h $
          @client=1 @nowait XREADGROUP GROUP g new NOACK BLOCK 0 STREAMS b >
          @sleep 30
          @client=2 @nowait XREADGROUP GROUP h c2 BLOCK 0 STREAMS b >
          @sleep 30
          XADD b 5-1 a 1
          @client=1 @reply
          @client=2 @reply
          @client=2 @nowait XREADGROUP GROUP h c2 COUNT 5 BLOCK 0 STREAMS b >
          @sleep 30
          MULTI
          XADD b 6-1 a 1
          XADD b 7-1 a 1
          EXEC
          @client=2 @reply
        `,
      "stream_aof",
    );
    assertEquals(files.problems, []);
    assertEquals(masked(files.tok), masked(files.redis));
    // Several units were logged, so the comparison covers the wrapping.
    assertEquals(dec.decode(files.redis).split("MULTI").length > 4, true);
  },
});
