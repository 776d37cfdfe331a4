// std::random_device, which libstdc++ serves with RDRAND or RDSEED on CPUs that have them: the
// instructions are patched into traps when libstdc++ is mapped, and replay gives the recorded
// values. A replay that ran them for real would print other numbers.
#include <cstdio>
#include <random>
#include <string>

static void draw(const char *token) {
    try {
        std::random_device device(token);
        unsigned first = device(), second = device();
        std::printf("%s %u %u\n", token, first, second);
    } catch (const std::exception &) {
        std::printf("%s unavailable\n", token);  // not on this CPU
    }
}

int main() {
    draw("default");
    draw("rdrand");
    draw("rdseed");
    return 0;
}
