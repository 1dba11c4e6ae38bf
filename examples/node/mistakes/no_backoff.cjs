// sync.cjs with one mistake: its own retry loop (the SDK's turned off) honours Retry-After but
// otherwise tries again at once: a hot loop against a struggling server. notion-sim test catches
// it as backoff.
'use strict';
require('../sync.cjs').main({ noBackoff: true });
