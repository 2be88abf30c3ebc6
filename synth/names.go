package synth

// Synthetic Nepali names: common given names and family names, combined at
// random, so no real person is described.
var (
	maleNames = []string{
		"Ram", "Hari", "Krishna", "Bishnu", "Shyam", "Gopal", "Bikash", "Suman", "Rajesh", "Dipak",
		"Sunil", "Prakash", "Binod", "Santosh", "Ramesh", "Kiran", "Arjun", "Nabin", "Anil", "Sanjay",
		"Ganesh", "Mohan", "Dil Bahadur", "Man Bahadur", "Tek Bahadur", "Bhim", "Rabin", "Sagar", "Roshan", "Suraj",
	}
	femaleNames = []string{
		"Sita", "Gita", "Laxmi", "Sarita", "Sunita", "Anita", "Kamala", "Radha", "Maya", "Parbati",
		"Sabina", "Puja", "Asmita", "Rita", "Bimala", "Durga", "Manisha", "Srijana", "Rekha", "Nirmala",
		"Sushila", "Januka", "Kabita", "Mina", "Samjhana", "Bindu", "Goma", "Tulasi", "Apsara", "Dilmaya",
	}
	familyNames = []string{
		"Sharma", "Thapa", "Gurung", "Tamang", "Magar", "Rai", "Limbu", "Shrestha", "Adhikari", "Khadka",
		"Karki", "Poudel", "Bhattarai", "Yadav", "Chaudhary", "Sherpa", "Bista", "Basnet", "Maharjan", "Thakur",
		"Rana", "Dahal", "Ghimire", "Pandey", "Oli", "Tharu", "Mahato", "Saud", "Bhandari", "KC",
	}
	// Names of people born in India living in the household.
	indianFamilyNames = []string{"Singh", "Kumar", "Prasad", "Gupta", "Mishra", "Jha", "Devi", "Sah"}
)

func (r *rng) givenName(sex string) string {
	if sex == "2" {
		return femaleNames[r.intn(len(femaleNames))]
	}
	return maleNames[r.intn(len(maleNames))]
}

// Destinations of Nepali labour migrants: the Gulf and Malaysia first, then
// India (open border), then a long tail.
var destinations = weighted{
	{"QAT", 22}, {"SAU", 17}, {"ARE", 17}, {"MYS", 16}, {"KWT", 5}, {"IND", 13},
	{"KOR", 4}, {"JPN", 3}, {"USA", 1}, {"GBR", 0.5}, {"AUS", 1}, {"OTH", 0.5},
}

// Countries of birth of foreign-born members: mostly India.
var birthCountries = weighted{{"IND", 85}, {"OTH", 8}, {"MYS", 1}, {"QAT", 1}, {"ARE", 1}, {"USA", 1}, {"GBR", 1}, {"JPN", 1}, {"KOR", 1}}

// Household sizes 1–12, mean about 5.
var householdSizes = weighted{
	{"1", 4}, {"2", 8}, {"3", 13}, {"4", 19}, {"5", 18}, {"6", 13},
	{"7", 9}, {"8", 6}, {"9", 4}, {"10", 3}, {"11", 2}, {"12", 1},
}
