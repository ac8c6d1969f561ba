package phone

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// sealVersion is the first byte of a sealed token: the scheme, so that a
// later one can be told apart.
const sealVersion = 1

// derive returns a key for one purpose from the server secret.
func derive(secret []byte, label string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("parley phone: " + label))
	return mac.Sum(nil)
}

func tokenAEAD(secret []byte) cipher.AEAD {
	block, err := aes.NewCipher(derive(secret, "twilio auth token"))
	if err != nil {
		panic("phone: " + err.Error()) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("phone: " + err.Error())
	}
	return aead
}

// associated binds a sealed token to its row.
func associated(accountID, phoneNumber string) []byte {
	return []byte(accountID + "\x00" + phoneNumber)
}

// seal encrypts an auth token for the number of accountID.
func seal(secret []byte, accountID, phoneNumber, token string) []byte {
	aead := tokenAEAD(secret)
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(token)+aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:]) // never fails: it crashes the program instead
	return aead.Seal(out, out[1:], []byte(token), associated(accountID, phoneNumber))
}

var errSealed = errors.New("phone: sealed auth token does not open (was the server secret rotated?)")

// unseal decrypts what seal made.
func unseal(secret []byte, accountID, phoneNumber string, sealed []byte) (string, error) {
	aead := tokenAEAD(secret)
	if len(sealed) < 1+aead.NonceSize() || sealed[0] != sealVersion {
		return "", fmt.Errorf("%w: unknown format", errSealed)
	}
	nonce := sealed[1 : 1+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, sealed[1+aead.NonceSize():], associated(accountID, phoneNumber))
	if err != nil {
		return "", errSealed
	}
	return string(plain), nil
}
