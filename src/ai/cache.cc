#include "ai/cache.h"

#include "core/hash.h"

namespace custintel::ai {

std::string CacheKey(std::string_view op, const ModelIdentity& identity, std::string_view template_key,
                     const Sampling& sampling, std::string_view constraint, std::string_view input) {
  Sha256Builder b;
  b.Add("custintel-ai-cache-v1").Add(op).Add(identity.backend).Add(identity.model).Add(identity.model_sha256);
  b.Add(template_key).Add(sampling.KeyText()).Add(constraint).Add(input);
  return b.FinishHex();
}

}  // namespace custintel::ai
