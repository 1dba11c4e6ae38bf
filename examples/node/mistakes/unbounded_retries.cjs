// sync.cjs with one mistake: no bound on attempts. It waits as it is told and backs off, but a
// request that keeps failing is sent again and again for as long as the outage lasts (or until
// the job is killed). notion-sim test catches it as attempts_bounded.
'use strict';
require('../sync.cjs').main({ unboundedRetries: true });
