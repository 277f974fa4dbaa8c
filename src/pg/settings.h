// The custintel.* settings (GUCs), defined when the module loads (_PG_init), read at each call.
// README.md lists them; settings that choose what runs or what is reached (model, servers,
// threads) are superuser-only.
#pragma once

#include "pg/engine.h"

namespace custintel::pg {

// The settings' current values (this session's).
Settings CurrentSettings();

}  // namespace custintel::pg
