// sync.cjs with one mistake: its own retry loop (the SDK's turned off) backs off 250 ms, 500 ms,
// 1 s, ... and never reads Retry-After, and nothing pauses the other requests after a 429.
// notion-sim test catches it as retry_after_respected.
'use strict';
require('../sync.cjs').main({ ignoreRetryAfter: true });
