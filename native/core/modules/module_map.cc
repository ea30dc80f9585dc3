#include "core/modules/module_map.h"

namespace mini_racer {

size_t ModuleMap::Add(const std::string& name, v8::Local<v8::Module> module,
                      bool canonical) {
  size_t bytes = kBytesPerEntry + name.size();
  if (!ChargeOrCollect(isolate_, budget_, bytes)) return kNone;
  charged_ += bytes;
  size_t index = entries_.size();
  Entry& entry = entries_.emplace_back();
  entry.name = name;
  entry.module.Reset(isolate_, module);
  by_hash_.emplace(module->GetIdentityHash(), index);
  if (canonical) by_name_.emplace(name, index);
  return index;
}

void ModuleMap::Unregister(size_t index) {
  auto it = by_name_.find(entries_[index].name);
  if (it != by_name_.end() && it->second == index) by_name_.erase(it);
}

size_t ModuleMap::Find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? kNone : it->second;
}

size_t ModuleMap::Of(v8::Local<v8::Module> module) const {
  auto range = by_hash_.equal_range(module->GetIdentityHash());
  for (auto it = range.first; it != range.second; ++it) {
    if (entries_[it->second].module == module) return it->second;
  }
  return kNone;
}

void ModuleMap::Clear() {
  by_hash_.clear();
  by_name_.clear();
  entries_.clear();  // each Entry's Globals reset as it goes
  budget_->Release(charged_);
  charged_ = 0;
}

}  // namespace mini_racer
