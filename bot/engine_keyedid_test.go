package bot

import "testing"

func TestKeyedIDDependsOnKeyAndPlatform(t *testing.T) {
	a := KeyedID([]byte("k1"), "telegram", "42")
	if a == KeyedID([]byte("k2"), "telegram", "42") || a == KeyedID([]byte("k1"), "discord", "42") || a != KeyedID([]byte("k1"), "telegram", "42") {
		t.Error("KeyedID must be stable per key and platform and differ otherwise")
	}
	if a == KeyedID([]byte("k1"), "telegram4", "2") {
		t.Error("platform and id must be separated")
	}
}
