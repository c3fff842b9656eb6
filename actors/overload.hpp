#pragma once
// std::visit with a set of lambdas: std::visit(overload{[](const a&) {...}, [](const b&) {...}}, v).

namespace cafka {

template <class... Fs>
struct overload : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overload(Fs...) -> overload<Fs...>;

} // namespace cafka
