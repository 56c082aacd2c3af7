#include "server/static_assets.h"

namespace runhook::server {

const StaticAsset* FindStaticAsset(std::string_view name) {
  for (const StaticAsset& asset : StaticAssets())
    if (asset.name == name) return &asset;
  return nullptr;
}

std::string StaticAssetUrl(std::string_view name) {
  std::string url = "/static/" + std::string(name);
  if (const StaticAsset* asset = FindStaticAsset(name)) url += "?v=" + std::string(asset->version);
  return url;
}

}  // namespace runhook::server
