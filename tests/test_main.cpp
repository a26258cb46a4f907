// The Catch2 main shared by Pigment's test binaries.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
