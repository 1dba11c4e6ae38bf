// sync.cjs with one mistake: no client-side limiter, so it sends as fast as it can and leans on
// the server's 429s (which it does honour). notion-sim test catches it as client_rate, against
// the budget the scenario sets for the token.
'use strict';
require('../sync.cjs').main({ noPacing: true });
