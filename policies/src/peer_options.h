// A stack given in the peers' own words: the options objects of opossum (9.0.0), the official
// Notion SDK (@notionhq/client 5.26.0), p-queue (9.3.5) and resilience4j's Spring Boot
// properties, pasted from code, mapped onto StackConfig's fields. Which option lands where is the
// mapping table of the README ("Your library's own options"); options we cannot model (code
// such as errorFilter, caches, custom queues) are errors that name the option and say what is
// missing. Read by ParseStackConfig before the stack's own sections, so those can adjust the
// result. Thread-safe: pure functions.
#pragma once

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/policies/stack_config.h"

namespace notion_sim::policies {

// Applies the "notionhq_client", "opossum", "p_queue" and "resilience4j" sections of `stack`
// present to `config`; errors go through the reader.
void ReadPeerOptions(engine::ObjectReader& stack, StackConfig& config);

}  // namespace notion_sim::policies
