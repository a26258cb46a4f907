#pragma once
// The colorize page gan-serve serves at / (tools/gan_serve/page.cpp): HTML, CSS and JavaScript in
// one document, no framework, using the JSON API (docs/gan-serve.md).
namespace pigment::serve {
extern const char* const kPage;
}  // namespace pigment::serve
